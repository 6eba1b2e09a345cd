"""Documents about one pupil: the certificate of attendance, the record summary, the right-of-access export."""
