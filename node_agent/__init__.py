"""The school node: runs on the school's own server, works fully offline, owns the school's data.

It must never need the hub to do a school-day job; sync is something it does when it can.
"""
