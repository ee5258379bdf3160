"""Where the GPU time that was not delivered went, tick by tick: the physical badput.

Every tick each satellite's installed GPUs × dt split exactly into

    delivered (level × working GPUs × dt) + power + thermal + radiation + lost_devices

- lost_devices: GPUs lost for good (installed − working) × dt;
- with the GPUs off the whole working share goes to one cause: radiation while a reset or a
  radiation power-down holds them, thermal after a thermal shutdown, power in a brown-out;
- with the GPUs on, the clock deficit 1 − level: the share below the battery cap's ceiling is
  power, the rest thermal (the throttle policy; a clock still climbing back after a cap release
  counts as thermal, since the thermal policy paces the climb).

The workload subsystem splits `delivered` further (useful, idle, checkpoint, ...).
"""
from numba import njit

BADPUT_CAUSES = ("power", "thermal", "radiation", "lost_devices")
POWER, THERMAL, RADIATION, LOST_DEVICES = range(len(BADPUT_CAUSES))


@njit(cache=True, inline="always", error_model="numpy")
def book_badput(i, dt_s, running, down, shut_down, level, count, installed, capped, capped_level,
                badput_s):
    """Add satellite i's physical badput of one tick [GPU s] to badput_s (rows BADPUT_CAUSES)."""
    if installed > count:
        badput_s[LOST_DEVICES, i] += (installed - count) * dt_s
    gpu_s = count * dt_s
    if not running:
        badput_s[RADIATION if down else (THERMAL if shut_down else POWER), i] += gpu_s
        return
    ceiling = min(1.0, capped_level) if capped != 0 else 1.0
    if level < ceiling:
        badput_s[THERMAL, i] += (ceiling - level) * gpu_s
        badput_s[POWER, i] += (1.0 - ceiling) * gpu_s
    else:
        badput_s[POWER, i] += (1.0 - level) * gpu_s
