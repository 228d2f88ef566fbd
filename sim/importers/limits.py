"""The documented bounds on what ``licsim import`` reads, so that work and memory stay bounded.

Log files are streamed in blocks (:data:`BLOCK_BYTES` at a time), so a large file costs
time, not memory; only the columns licsim keeps are converted. What does grow with the
input is the trace itself (about 100 bytes per session in memory), hence a cap on rows. A
message is printed when the trace passes :data:`WARN_SHARE` of the cap, and the import stops
with a clear error at the cap instead of exhausting memory.
"""

from __future__ import annotations

#: largest single log or CSV file read (bytes); Qlik rolls its logs over long before this
MAX_FILE_BYTES = 4 * 1024**3
#: largest QRS JSON export read (bytes); JSON is parsed whole, so this is kept lower
MAX_JSON_BYTES = 256 * 1024**2
#: largest trace (sessions) one import produces
MAX_TRACE_ROWS = 30_000_000
#: share of MAX_TRACE_ROWS at which a warning is printed
WARN_SHARE = 0.8
#: bytes parsed per streamed block
BLOCK_BYTES = 16 * 1024**2
#: default share of rows that may be rejected before the import fails (``--max-rejected``)
DEFAULT_MAX_REJECTED = 0.01
