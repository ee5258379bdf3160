"""Result files: the streaming HDF5 Recorder and the readers (the only h5py users)."""
from sim.io.hdf5 import (
    COMPLETE_ATTR,
    EVENT_DTYPE,
    SCHEMA_VERSION,
    Recorder,
    ResultFileError,
    check_result_file,
    describe,
    is_complete,
    read_attrs,
    read_event_kinds,
    read_events,
    read_satellites,
    read_summary,
    read_summary_units,
)

__all__ = [
    "COMPLETE_ATTR", "EVENT_DTYPE", "SCHEMA_VERSION", "Recorder", "ResultFileError",
    "check_result_file", "describe", "is_complete", "read_attrs", "read_event_kinds",
    "read_events", "read_satellites", "read_summary", "read_summary_units",
]
