"""Which exact ties decide a seat: the check that keeps an arbitrary order out of a published result.

Deferred acceptance needs a strict order inside each class, so equal keys are ordered internally
by candidate id (:mod:`hub.recruitment.allocation`). That order is not law, so the result may be
published only if it does not matter. With M the result of that run, the order matters exactly
when one of these holds (and then every such tie is reported):

* ``cutoff`` tie: a candidate who prefers a full class c to their seat has exactly c's cut-off
  key (they stand level with its lowest admitted candidate): ordering them the other way makes
  M unstable, so another order gives another result.
* ``chain`` tie: no cut-off tie, but in the graph "candidate a → class c when a is among the
  best-keyed candidates who prefer c to their seat; class c → each of its holders" there is a
  cycle. A cycle is a *stable improvement cycle* (Erdil & Ergin 2008): seats can be exchanged
  along it, everyone on it gains, nobody gains a justified complaint. It exists only through a
  class whose best waiting candidates are tied (with one best candidate it would improve the
  internal order's own result, and deferred acceptance leaves no such cycle), so the order among
  them decides who moves.

If neither holds, M is stable for every strict order of the ties and no improvement cycle exists
for any of them, so deferred acceptance gives M for every such order: M does not depend on the
internal order (Erdil & Ergin 2008, Thm 1). The property tests check this against brute force.

Keys are compared as the algorithm's ints without the id order (:func:`allocation.weak`).
Everything is linear in the number of applications; the cycle search (Tarjan, iterative) runs only
when some class has tied candidates first in line. This module never changes a result.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.recruitment.allocation import Prepared, Tie, holder, public_key, weak


def find_ties(p: Prepared, heaps: list[list[int]], held: list[int]) -> list[Tie]:
    """Every exact tie whose internal order decides a seat (an empty list when the result stands)."""
    seats, listed, entries, starts, group = p.seats, p.listed, p.entries, p.starts, p.group
    mask = (1 << p.tie_bits) - 1
    high = ~mask
    cut = [weak(p, heap[0]) if seats[c] > 0 and len(heap) == seats[c] else -1 for c, heap in enumerate(heaps)]
    level: dict[int, list[int]] = {}     # class -> envious candidates level with its cut-off
    best: dict[int, int] = {}            # class -> best weak key among envious candidates
    first_in_line: dict[int, list[int]] = {}
    best_at: dict[int, int] = {}         # class -> the application of the first of them
    for i, seat in enumerate(held):
        for j in range(starts[i], seat):  # the classes i prefers to the seat they hold
            c, entry = listed[j], entries[j]
            key = entry & high | group[entry & mask]
            if key == cut[c]:
                level.setdefault(c, []).append(i)
            elif c not in best or key > best[c]:
                best[c] = key
                first_in_line[c] = [i]
                best_at[c] = j
            elif key == best[c]:
                first_in_line[c].append(i)

    ids = p.candidate_ids
    if level:
        ties = []
        for c, envious in level.items():
            holders = [holder(p, entry) for entry in heaps[c] if weak(p, entry) == cut[c]]
            lowest = holder(p, heaps[c][0])
            ties.append(Tie(p.class_ids[c], public_key(p, lowest, held[lowest]),
                            tuple(sorted(ids[i] for i in envious + holders))))
        return ties
    if all(len(line) < 2 for line in first_in_line.values()):
        return []  # a cycle needs a class with tied candidates first in line (see the module docstring)

    n = len(ids)
    graph: dict[int, list[int]] = {}
    for c, line in first_in_line.items():
        for i in line:
            graph.setdefault(i, []).append(n + c)
        graph[n + c] = [holder(p, entry) for entry in heaps[c]]
    ties = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        for node in component:
            c = node - n
            if c >= 0 and len(first_in_line[c]) > 1:
                line = first_in_line[c]
                ties.append(Tie(p.class_ids[c], public_key(p, line[0], best_at[c]),
                                tuple(sorted(ids[i] for i in line)), "chain"))
    return ties


def strongly_connected(graph: dict[int, list[int]]) -> Iterable[list[int]]:
    """Tarjan's strongly connected components, iterative (no recursion limit on long chains)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    for root in graph:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(graph.get(root, ())))]
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, ()))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    yield component
