"""Which members each of the job's stations reaches: a read-only query over the network's public
state (contact events, contacts.margin/usable/eci_m; crosslinks a, b, state, range_m, epoch;
fleet positions).

The satellites in usable contact with each station are kept from the network's contact_start
(usable ones) and contact_end events, so a search never scans the fleet. Every `refresh_s` each
station's candidates are searched again (sim.workloads.inference.reach); in between, a candidate
whose entry contact has left usable view is not used, and a station that has no valid candidate
left is searched again at once. A crosslink that fails between refreshes is noticed at the next
refresh (its paths are a few ms longer or shorter meanwhile).
"""
from __future__ import annotations

import math

import numpy as np

from sim.network.links import UP
from sim.workloads.inference import reach, tick


class Reachability:
    """st: the job's state array (sim.workloads.inference.tick: the time of the last search, the
    query stamp, the searches made; a replaced array sets DIRTY)."""

    def __init__(self, network, fleet, events, members: np.ndarray, net_g: np.ndarray, cfg, st: np.ndarray):
        self.network, self.fleet = network, fleet
        self.contacts = network.contacts
        self.net_g = np.ascontiguousarray(net_g, np.int64)
        self.refresh_s = cfg.refresh_s
        self.k = cfg.candidates
        self.max_lat_s = cfg.max_path_ms * 1e-3
        n, G = fleet.n, self.net_g.size
        self.member_of = np.full(n, -1, np.int64)
        self.member_of[members] = np.arange(members.size)
        self.cand_m = np.zeros((G, self.k), np.int64)
        self.cand_lat = np.zeros((G, self.k))
        self.cand_entry = np.zeros((G, self.k), np.int64)
        self.cand_n = np.zeros(G, np.int64)
        self.valid = np.zeros((G, self.k), np.bool_)
        self.stale = np.zeros(G, np.bool_)
        self._dist = np.zeros(n)
        self._entry = np.zeros(n, np.int64)
        self._stamp = np.zeros(n, np.int64)
        self._closed = np.zeros(n, np.int64)
        self.st = st
        st[tick.QUERY] = 0.0
        st[tick.LAST_SEARCH_S] = -math.inf
        st[tick.SEARCHES] = 0.0
        self._epoch = None
        self._rows = np.zeros(G, np.int64)
        # the satellites in usable contact with each job station, from the contact events
        self._job_station = np.full(len(self.contacts.stations.names), -1, np.int64)
        self._job_station[self.net_g] = np.arange(G)
        self.view_sat = np.zeros((G, 64), np.int64)
        self.view_n = np.zeros(G, np.int64)
        self.view_pos = np.full((G, n), -1, np.int32)  # position of each satellite in view_sat, −1: not in view
        events.subscribe("contact_start", self._contact_start)
        events.subscribe("contact_end", self._contact_end)
        self._graph()

    def _view(self, sat, station, add: bool) -> None:
        sat, station = sat.astype(np.int64), station.astype(np.int64)
        args = (self.view_pos, self.view_n, self._job_station, station, sat, add)
        while not reach.view_update(self.view_sat, *args):
            self.view_sat = np.concatenate([self.view_sat, np.zeros_like(self.view_sat)], axis=1)
            self.st[tick.DIRTY] = 1.0   # a tick kernel may hold the old array: this tick runs from Python

    def _contact_start(self, t_s, sat, a, b, c) -> None:
        usable = b > 0.5
        self._view(sat[usable], a[usable], True)

    def _contact_end(self, t_s, sat, a, b, c) -> None:
        self._view(sat, a, False)

    def _graph(self) -> None:
        links = self.network.links
        n = self.fleet.n
        if links is None:
            self.indptr, self.neighbour, self.edge_link = np.zeros(n + 1, np.int64), np.zeros(0, np.int64), \
                np.zeros(0, np.int64)
            self._epoch, n_links = 0, 0
        else:
            self.indptr, self.neighbour, self.edge_link = reach.csr(n, links.a, links.b)
            self._epoch, n_links = links.epoch, links.a.size
        self._heap_d = np.zeros(n + 2 * n_links + 1)
        self._heap_v = np.zeros(n + 2 * n_links + 1, np.int64)

    @property
    def searches(self) -> int:
        return int(self.st[tick.SEARCHES])

    def args(self) -> tuple:
        """tick.update_candidates' arguments after (t1_s, st); the graph rebuilt first if the
        network's crosslink candidates changed."""
        links = self.network.links
        if links is not None and links.epoch != self._epoch:
            self._graph()
        state, range_m = (links.state, links.range_m) if links is not None else (np.zeros(0, np.int8), np.zeros(0))
        c = self.contacts
        return (float(self.refresh_s), self._rows, self.stale, self.net_g, self.view_sat, self.view_n,
                self.fleet.r_eci_m, c.eci_m, self.indptr, self.neighbour, self.edge_link, state, range_m, UP,
                self.member_of, self.k, float(self.max_lat_s), self._dist, self._entry, self._stamp, self._closed,
                self._heap_d, self._heap_v, self.cand_m, self.cand_lat, self.cand_entry, self.cand_n, self.valid,
                c.margin, c.usable)

    def update(self, t_s: float) -> None:
        """Candidates valid now: all searched again when refresh_s has passed, else checked."""
        tick.update_candidates(t_s, self.st, *self.args())
