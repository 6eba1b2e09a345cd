"""Campaign set-up by the city office: levels, timetable, offer, criteria settings, school accounts."""
