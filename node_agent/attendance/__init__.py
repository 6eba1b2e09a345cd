"""The lesson log (topic, realised) and attendance per lesson, with the class tutor's excuses."""
