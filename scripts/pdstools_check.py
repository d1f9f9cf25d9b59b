"""Reads a `concord export models --format pdstools` folder with pdstools and prints, per model,
what pdstools makes of it: the AUC it reports (Performance, on its 0.5-1 scale), the AUC it
computes from the classifier's bins, and the largest gap between the lift pdstools computes
from the predictor bins and the lift Concord wrote. Used by crates/concord/tests/export_pdstools.rs.

usage: python scripts/pdstools_check.py EXPORT_DIR
"""

import json
import sys

import polars as pl
from pdstools import ADMDatamart
from pdstools.utils import cdh_utils


def main(folder: str) -> None:
    dm = ADMDatamart.from_ds_export(base_path=folder)
    models = dm.model_data.collect()
    predictors = dm.predictor_data.collect()
    out = {}
    for row in models.iter_rows(named=True):
        model_id = row["ModelID"]
        bins = predictors.filter(pl.col("ModelID") == model_id)
        classifier = bins.filter(pl.col("EntryType") == "Classifier").sort("BinIndex")
        pos = classifier["BinPositives"].to_list()
        neg = classifier["BinNegatives"].to_list()
        adjusted = [(p + 0.5) / (p + n + 1) for p, n in zip(pos, neg)]
        lifts = (
            bins.filter(pl.col("EntryType") != "Classifier")
            .with_columns(
                cdh_utils.lift().over("PredictorName").alias("PdsLift"),
            )
            .filter(pl.col("Lift").is_not_null())
        )
        gap = (
            lifts.select((pl.col("PdsLift") - pl.col("Lift")).abs().max()).item()
            if lifts.height
            else 0.0
        )
        out[model_id] = {
            "name": row["Name"],
            "channel": row["Channel"],
            "responses": row["ResponseCount"],
            "performance": row["Performance"],
            "classifier_auc": cdh_utils.auc_from_bincounts(pos, neg, adjusted),
            "lift_gap": gap,
            "predictors": bins.filter(pl.col("EntryType") != "Classifier")["PredictorName"]
            .unique()
            .len(),
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
