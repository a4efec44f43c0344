"""schemathesis hooks for `licit serve`: send a batch's NDJSON body as the text it is.

The lines of a batch's NDJSON answer are validated against the document's `BatchLine` schema by
tests/serve.rs (schemathesis has no NDJSON reader: it validates one document per answer).
"""

import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
