"""Ground contacts: every (station, satellite) view above the station's elevation mask.

Stations (sim.network.stations) are turned into the inertial frame every tick by the GMST of
the clock (sim.core.numerics.rotate_to_inertial, in sim.network.tick). A contact starts when the elevation margin
rises through 0 (sim.network.geometry); it is usable with the station's clear-sky probability,
drawn once per contact, and ends when the margin falls through 0 again. A station taken down
(`set_stations_up`, the faults subsystem) makes its contacts unusable while it is down: its
usable contacts end then (contact_end, b 1) and those in view with a clear sky start again when
it returns (contact_start, b 1), so a subscriber that follows usable contacts by their events
stays right. The clear-sky draw is made for every contact all the same, so an outage shifts no
random draw.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from sim.core.constants import SPEED_OF_LIGHT_M_S
from sim.core.numerics import MIN_CHUNK, parallel_chunk
from sim.network import tick
from sim.network.ids import contact_elements
from sim.network.stations import build_stations

CONTACT_EVENTS = {
    "contact_start": "a: ground station index, b: 1 usable, 0 lost to cloud, -1 station down (faults)",
    "contact_end": "a: ground station index, b: 1 was usable, 0 was not (cloud or station down); a station "
                   "taken down ends its usable contacts (b 1), its return starts those in view (contact_start b 1)",
}


class Contacts:
    """The ground stations of one run and their (G, N) contact arrays.

    on_lost(elements) is called with the element ids (sim.network.ids) of usable contacts that
    end, on_gained() when a usable contact starts.
    """

    def __init__(self, config, scenario, fleet, clock, events, rng, on_lost: Callable, on_gained: Callable):
        self.stations = st = build_stations(config, scenario.resolve_path)
        self.fleet, self.clock, self.events, self.rng = fleet, clock, events, rng
        self.n = n = fleet.n
        self._on_lost, self._on_gained = on_lost, on_gained
        self._ecef_m = np.ascontiguousarray(st.ecef_m)
        self._up_ecef = np.ascontiguousarray(st.up)
        self.eci_m = np.zeros_like(self._ecef_m)       # station positions in the inertial frame now
        self.up_eci = np.zeros_like(self._up_ecef)
        self._sin_min_el = np.sin(np.radians(st.min_elevation_deg))
        G = st.n
        self.margins = np.full((2, G, n), -1.0)  # margins now: [cur[0]], a tick before: [1 − cur[0]]
        self.cur = np.zeros(1, np.int64)
        self.has_reentry, self.reentered = False, np.zeros(n, np.int8)  # see Network.start
        self.usable = np.zeros((G, n), bool)
        self.clear = np.zeros((G, n), bool)     # the clear-sky draw of each contact in progress
        self.station_up = np.ones(G, bool)      # False while a fault holds the station down
        self._direction = np.zeros(G * n, np.int8)
        self._t_cross_s = np.zeros(G * n)
        # satellites are the work items; each costs G elements
        self._min_chunk = -(-MIN_CHUNK // max(G, 1))
        self.contacts = 0

    @property
    def margin(self) -> np.ndarray:
        """(G, N) elevation margin now (≥ 0 in view) [1]."""
        return self.margins[self.cur[0]]

    @property
    def margin_prev(self) -> np.ndarray:
        """(G, N) the margins one tick before [1]."""
        return self.margins[1 - self.cur[0]]

    def chunk(self) -> int:
        """Satellites per parallel work item of the elevation kernel (0: serial)."""
        return parallel_chunk(self.n, self._min_chunk)

    def geometry_args(self) -> tuple:
        """What sim.network.tick.contacts_geometry reads after (chunk, t0_s, dt_s, cos, sin)."""
        return (self.has_reentry, self.reentered, self.fleet.r_eci_m, self._ecef_m, self._up_ecef, self.eci_m,
                self.up_eci, self._sin_min_el, self.margins, self.cur, self._direction, self._t_cross_s)

    def _kernel(self, t_s: float, dt_s: float, cos_sin_gmst=None) -> int:
        """Stations at GMST(t_s) (cos, sin given, else from the clock), elevations at the
        positions now and the crossings since margin_prev (sim.network.geometry, sim.network.tick)."""
        if cos_sin_gmst is None:
            now = self.clock.at(t_s)
            cos_sin_gmst = now.cos_gmst, now.sin_gmst
        return tick.contacts_geometry(self.chunk(), t_s - dt_s, dt_s, float(cos_sin_gmst[0]), float(cos_sin_gmst[1]),
                                      *self.geometry_args())

    def initial(self) -> None:
        """The geometry at the epoch (no crossings: nothing was before)."""
        self._kernel(0.0, 0.0)

    def start(self) -> None:
        g, i = np.nonzero(self.margin >= 0.0)
        self._start(g, i, np.zeros(g.size))

    def tick(self, t_s: float, dt_s: float, cos_sin_gmst=None) -> None:
        """One tick in Python (what sim.network.tick.network_tick does)."""
        self.cur[0] = 1 - self.cur[0]
        if self._kernel(t_s, dt_s, cos_sin_gmst):
            self._crossings()

    def _start(self, g: np.ndarray, i: np.ndarray, t_s: np.ndarray) -> None:
        if g.size == 0:
            return
        clear = self.rng.random(g.size) < self.stations.clear_sky_probability[g]
        up = self.station_up[g]
        usable = clear & up
        self.clear[g, i] = clear
        self.usable[g, i] = usable
        self.contacts += g.size
        self.events.emit("contact_start", t_s, i, g, np.where(up, usable.astype(float), -1.0))
        if usable.any():
            self._on_gained()

    def _crossings(self) -> None:
        n = self.n
        flat = tick.crossed(self._direction)
        g, i = np.divmod(flat, n)
        start = self._direction[flat] > 0
        self._start(g[start], i[start], self._t_cross_s[flat[start]])
        end = ~start
        if end.any():
            ge, ie = g[end], i[end]
            usable = self.usable[ge, ie]
            self.events.emit("contact_end", self._t_cross_s[flat[end]], ie, ge, usable.astype(float))
            self.usable[ge, ie] = False
            self.clear[ge, ie] = False
            if usable.any():
                self._on_lost(contact_elements(ge[usable], ie[usable], n))

    def set_stations_up(self, t_s: float, stations: np.ndarray, up: bool) -> None:
        """Take stations down (no usable contact while down) or bring them back: contacts in
        view with a clear sky become usable again at once (their draw was kept)."""
        g = np.asarray(stations, np.int64)
        self.station_up[g] = up
        if up:
            gained_g, gained_i = np.nonzero(self.clear[g] & (self.margin[g] >= 0.0))
            self.usable[g[gained_g], gained_i] = True
            if gained_g.size:
                self.events.emit("contact_start", t_s, gained_i, g[gained_g], 1.0)
                self._on_gained()
            return
        lost_g, lost_i = np.nonzero(self.usable[g])
        self.usable[g] = False
        if lost_g.size:
            self.events.emit("contact_end", t_s, lost_i, g[lost_g], 1.0)
            self._on_lost(contact_elements(g[lost_g], lost_i, self.n))

    # ------------------------------------------------------------------ what routing reads
    def in_contact(self) -> np.ndarray:
        """(G, N): satellite i is in usable contact with station g now."""
        return (self.margin >= 0.0) & self.usable

    def is_up(self, g: int, i: int) -> bool:
        return bool(self.usable[g, i] and self.margin[g, i] >= 0.0)

    def usable_contacts(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Satellites in usable contact with station g and the hop latency to each [s]."""
        i = np.flatnonzero((self.margin[g] >= 0.0) & self.usable[g])
        d = np.sqrt(((self.fleet.r_eci_m[:, i] - self.eci_m[:, g:g + 1]) ** 2).sum(axis=0))
        return i, d / SPEED_OF_LIGHT_M_S

    def distance_m(self, g: int, i: int) -> float:
        """Station g to satellite i now [m]."""
        return float(np.linalg.norm(self.fleet.r_eci_m[:, i] - self.eci_m[:, g]))
