"""The city hub: receives schools' batches, keeps the inbox, merges the warehouse, serves the city.

It never initiates a connection to a school node (nodes sit behind NAT/UTM firewalls); all it
sends a node travels as a response to that node's own request.
"""
