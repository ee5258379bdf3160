"""Physical constants in SI units; the unit is part of every name.

Sources are listed in docs/models.md (WGS84/EGM96 for the Earth, IAU for the Sun).
"""

MU_EARTH_M3_S2 = 3.986004418e14          # WGS84 / EGM96
R_EARTH_EQUATORIAL_M = 6378137.0         # WGS84
WGS84_FLATTENING = 1.0 / 298.257223563   # WGS84
J2_EARTH = 1.08262668e-3                 # EGM96, unnormalised
OMEGA_EARTH_RAD_S = 7.2921150e-5         # Earth rotation rate (IERS)

R_SUN_M = 6.957e8                        # IAU 2015 nominal solar radius
AU_M = 1.495978707e11                    # IAU 2012
SOLAR_CONSTANT_W_M2 = 1361.0             # TSI at 1 AU (Kopp & Lean 2011)
EARTH_BOND_ALBEDO = 0.30
EARTH_IR_W_M2 = 237.0                    # orbit-average outgoing longwave radiation
DEEP_SPACE_SINK_K = 3.0

STEFAN_BOLTZMANN_W_M2_K4 = 5.670374419e-8  # CODATA 2018
SPEED_OF_LIGHT_M_S = 299792458.0

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0
DAYS_PER_JULIAN_YEAR = 365.25
SECONDS_PER_JULIAN_YEAR = DAYS_PER_JULIAN_YEAR * SECONDS_PER_DAY
DAYS_PER_TROPICAL_YEAR = 365.2422
JD_J2000 = 2451545.0
JD_UNIX_EPOCH = 2440587.5

SSO_NODE_RATE_RAD_S = 2.0 * 3.141592653589793 / (DAYS_PER_TROPICAL_YEAR * SECONDS_PER_DAY)
ZERO_CELSIUS_K = 273.15
