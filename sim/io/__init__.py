"""Result files: the streaming HDF5 Recorder, the readers and the campaign index (the only
h5py users). The layout of a run file is in sim.io.schema."""
from sim.io.hdf5 import (
    check_result_file,
    describe,
    has_daily,
    is_complete,
    open_result,
    read_attrs,
    read_daily,
    read_daily_units,
    read_event_kinds,
    read_events,
    read_field_units,
    read_satellite_units,
    read_satellites,
    read_summary,
    read_summary_units,
    read_table_attrs,
    read_tables,
)
from sim.io.recorder import Recorder
from sim.io.schema import (
    COMPLETE_ATTR,
    EVENT_DTYPE,
    READABLE_SCHEMA_VERSIONS,
    SCHEMA_VERSION,
    ResultFileError,
)

__all__ = [
    "COMPLETE_ATTR", "EVENT_DTYPE", "READABLE_SCHEMA_VERSIONS", "SCHEMA_VERSION", "Recorder",
    "ResultFileError", "check_result_file", "describe", "has_daily", "is_complete", "open_result",
    "read_attrs", "read_daily", "read_daily_units", "read_event_kinds", "read_events", "read_field_units",
    "read_satellite_units", "read_satellites", "read_summary", "read_summary_units", "read_table_attrs",
    "read_tables",
]
