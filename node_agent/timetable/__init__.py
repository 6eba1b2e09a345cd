"""The school's timetable: bell times, lessons per class and weekday from a date, days off, substitutions."""
