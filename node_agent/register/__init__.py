"""The pupil register (księga uczniów): pupils, guardians, classes and enrolments."""
