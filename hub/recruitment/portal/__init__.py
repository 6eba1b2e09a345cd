"""The parents' side of recruitment on the hub portal: accounts, candidates, applications, results."""
