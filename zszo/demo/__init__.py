"""The demo city: a Radom-like city of 97 institutions with realistic, fully synthetic people.

``plan`` decides which institutions exist and how big they are, ``generator`` turns one planned
institution into protocol records (deterministically from a seed), ``load`` writes them into
real node databases, and ``cli`` is ``zszo demo …``. Nothing here is a real person or a real
school record; e-mail domains use the reserved ``.example`` names so no message can reach anyone.
"""
