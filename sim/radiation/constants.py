"""The numbers of the radiation models, each written once (plain Python: kernels, set-up code
and plots import them alike).

Størmer: in a centred dipole the vertical cutoff rigidity of a point on the McIlwain shell L is
R_c = C_St / L², C_St from the epoch's IGRF dipole (sim.radiation.geomag). A proton of rigidity R has
momentum p c = MEV_PER_GV · R (unit charge) and kinetic energy √((pc)² + (mc²)²) − mc²
(`sim.radiation.tick.proton_energy_mev`).

The trapped-proton map holds logarithms with a floor, ln(TRAPPED_FLOOR_CM2_S + J) and
ln(DOSE_FLOOR_RAD_S + D), so that zero fluxes have a logarithm and interpolate smoothly;
reading it back subtracts the floor. Values of the logarithm below the SKIP levels decode to
fluxes too small to matter and are taken as zero without an exponential.
"""
import math

PROTON_REST_MEV = 938.272         # proton rest energy m c² [MeV]
MEV_PER_GV = 1000.0               # p c [MeV] of a unit-charge particle per GV of rigidity

TRAPPED_FLOOR_CM2_S = 1e-4        # floor of the trapped flux J [1/(cm2 s)] in the map
DOSE_FLOOR_RAD_S = 1e-30          # floor of the dose rate D [rad/s] in the map
SKIP_LOG_TRAPPED = math.log(TRAPPED_FLOOR_CM2_S + 1e-9)   # below: J < 1e-9 1/(cm2 s), taken as 0
SKIP_LOG_DOSE = math.log(DOSE_FLOOR_RAD_S + 1e-28)        # below: D < 1e-28 rad/s, taken as 0

# event kinds of the upset-outcome kernel; the position in this table is the kernel's code, and
# the first six (the outcomes of one upset) are the columns of the per-class counts
UPSET_EVENTS = ("seu_corrected", "sdc", "sdc_detected", "sefi", "sel", "device_lost", "rad_gpu_reset",
                "rad_gpu_restored")
OUTCOMES = UPSET_EVENTS[:6]
