"""Writes the Parquet fixtures of the load tests with pyarrow (a third-party writer).

Run once with pyarrow installed: python3 make_fixtures.py
"""
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

table = pa.table(
    {
        "msisdn": pa.array([27820000001, 27820000002, 27820000003, None], pa.int64()),
        "plan": pa.array(["pre", "post", None, "pre"]).dictionary_encode(),
        "tenure": pa.array([3, 40, 12, 1], pa.int16()),
        "arpu": pa.array([Decimal("29.85"), Decimal("105.65"), None, Decimal("0.50")], pa.decimal128(10, 2)),
        "score": pa.array([0.25, 1.5, 2.0, 0.0], pa.float32()),
        "sms_ok": pa.array([True, False, None, True]),
        "region": pa.array(["KS", "OH", "NJ", "KS"], pa.large_string()),
        "products": pa.array(["data_1gb;music_pack", "", None, "voice_basic"]),
    }
)
pq.write_table(table, "pyarrow_types.parquet", compression="snappy")
pq.write_table(table, "pyarrow_zstd.parquet", compression="zstd")
