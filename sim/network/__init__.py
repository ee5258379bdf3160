"""The network: optical crosslinks, ground contacts, routes and transfers.

Modules:

    config      the `network:` scenario section and its validation-time checks
    subsystem   Network, the subsystem: a thin façade composing the parts below
    ids         node, element and resource numbering (the one owner)
    topology    candidate crosslinks: +Grid, k nearest, explicit pairs
    links       crosslink states and events (acquisition, failure, re-selection)
    stations    ground stations: loading and Earth-fixed geometry
    contacts    ground contacts and their events
    routes      A* route searches, kept routes, latency pairs
    transfers   transfers, lazy byte accounting, max–min fair rates
    demands     scheduled transfers of the scenario
    geometry    numba: per-tick crosslink and elevation kernels with crossings
    astar       numba: A* shortest path by latency, and its router
    maxmin      numba: max–min fair allocation (progressive filling)
    plots       figures of one run, from the result file alone

The API other subsystems use (declare `requires = ("network",)`, then
`network = ctx.services.get("network")`):

    transfer = network.submit_transfer(src, dst, size_bytes, on_done=None)
    network.cancel_transfer(transfer)

src and dst are a satellite index (int) or a ground-station name (str). Transfers share link
capacity max–min fairly, re-route when a link on their path goes down and wait (rate 0) while
no route exists; `on_done(transfer)` is called at completion with `transfer.done_t_s` set.
A Transfer carries id, src and dst (graph nodes, `network.node_of`), size_bytes,
remaining_bytes, rate_bps, latency_s, path and done_t_s. For inspection: `network.links`
(Crosslinks: keys, a, b, state, rate_bps, range_m; None without crosslinks),
`network.contacts` (Contacts: stations, margin, usable, in_contact(); None without ground
stations), `network.active_transfers` and `network.demands`.
"""
