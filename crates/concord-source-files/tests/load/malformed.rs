//! Malformed CSV files: each case is a file and the rejections it must produce (with row,
//! line and column), while its good rows still load.

use crate::support::{RecordingSink, run, telco_schema};
use concord_source_files::{LoadOptions, MAX_REJECTIONS_KEPT, Mapping};

const MAPPING: &str = "\
id: id
attributes:
  tenure_months: { column: tenure }
  segment: { column: plan, map: { pre: prepaid, post: postpaid } }
  consent_sms: { column: sms, required: false }
";

fn check(csv: &[u8], expected_rejections: &[&str], expected_loaded: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("base.csv");
    std::fs::write(&path, csv).expect("write csv");
    let mapping = Mapping::parse("m.yaml", MAPPING, &telco_schema()).expect("valid mapping");
    let sink = RecordingSink::default();
    let report = match run(
        &path,
        None,
        &mapping,
        &sink,
        &LoadOptions::default().with_batch_rows(2),
    ) {
        Ok(report) => report,
        Err(err) => panic!("{err}"),
    };
    let rejections: Vec<String> = report.rejections.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejections,
        expected_rejections,
        "{}",
        String::from_utf8_lossy(csv)
    );
    let loaded: Vec<String> = sink
        .rows()
        .iter()
        .map(|r| r.customer_id.to_string())
        .collect();
    assert_eq!(loaded, expected_loaded);
    assert_eq!(report.rows_read, report.rows_loaded + report.rows_rejected);
    assert_eq!(report.rows_rejected as usize, expected_rejections.len());
}

#[test]
fn bad_numbers_and_booleans() {
    check(
        b"id,tenure,plan,sms\n1,12,pre,yes\n2,abc,post,no\n3,5,post,\n4,5,post,maybe\n",
        &[
            "row 2 (line 3), column `tenure`: expected a number, found `abc` (bad_number)",
            "row 4 (line 5), column `sms`: expected true/false, yes/no or 1/0, found `maybe` (bad_bool)",
        ],
        &["1", "3"],
    );
}

#[test]
fn wrong_field_counts() {
    check(
        b"id,tenure,plan,sms\n1,12,pre\n2,3,post,no,extra\n3,5,post,no\n",
        &[
            "row 1 (line 2): expected 4 fields as in the header, found 3 (field_count)",
            "row 2 (line 3): expected 4 fields as in the header, found 5 (field_count)",
        ],
        &["3"],
    );
}

#[test]
fn empty_and_duplicate_ids() {
    check(
        b"id,tenure,plan,sms\n1,12,pre,\n,3,post,\n  ,3,post,\n1,5,post,\n2,5,post,\n",
        &[
            "row 2 (line 3), column `id`: the customer id is empty (empty_id)",
            "row 3 (line 4), column `id`: the customer id is empty (empty_id)",
            "row 4 (line 5), column `id`: customer id `1` appears on an earlier row (duplicate_id)",
        ],
        &["1", "2"],
    );
}

#[test]
fn unmapped_values_and_missing_required_values() {
    check(
        b"id,tenure,plan,sms\n1,12,gold,\n2,,post,\n3,1,pre,\n",
        &[
            "row 1 (line 2), column `plan`: `gold` is not listed in the `map` of `segment` and there is no default (unmapped_value)",
            "row 2 (line 3), column `tenure`: `tenure_months` is required and the cell is empty (set `default:` or `required: false`) (missing_value)",
        ],
        &["3"],
    );
}

/// Quoted fields may span lines: rows and file lines then differ, and both are reported.
#[test]
fn lines_follow_multi_line_fields() {
    check(
        b"id,tenure,plan,sms,note\n1,12,pre,,\"two\nlines\"\n2,x,pre,,\n\"3\",\"4\",\"post\",\"\",\"a, b\"\n",
        &["row 2 (line 4), column `tenure`: expected a number, found `x` (bad_number)"],
        &["1", "3"],
    );
}

#[test]
fn bom_crlf_and_non_utf8() {
    check(
        b"\xef\xbb\xbfid,tenure,plan,sms\r\n1,12,pre,\r\n2,1,p\xffst,\r\n\r\n3,1,\"post\"\r\n4,x,pre,\r\n\r\n",
        &[
            "row 2 (line 3), column `plan`: the field is not UTF-8 (invalid byte at offset 1) (not_utf8)",
            "row 3 (line 5): expected 4 fields as in the header, found 3 (field_count)",
            "row 4 (line 6), column `tenure`: expected a number, found `x` (bad_number)",
        ],
        &["1"],
    );
}

#[test]
fn a_file_of_bad_rows_keeps_the_first_thousand_and_counts_all() {
    let mut csv = b"id,tenure,plan,sms\n".to_vec();
    for row in 1..=1_500 {
        csv.extend_from_slice(format!("{row},x,pre,\n").as_bytes());
    }
    csv.extend_from_slice(b"ok,1,pre,\n");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &csv).expect("write");
    let mapping = Mapping::parse("m.yaml", MAPPING, &telco_schema()).expect("valid");
    let sink = RecordingSink::default();
    let report = run(&path, None, &mapping, &sink, &LoadOptions::default()).expect("loads");
    assert_eq!(
        (report.rows_read, report.rows_loaded, report.rows_rejected),
        (1_501, 1, 1_500)
    );
    assert_eq!(report.rejections.len(), MAX_REJECTIONS_KEPT);
    assert_eq!(report.rejections.last().map(|r| r.row), Some(1_000));
}

/// Rows convert on several threads; duplicates are still judged in file order, across the
/// threads' chunks and across batches.
#[test]
fn duplicates_are_found_across_threads_and_batches() {
    let mut csv = b"id,tenure,plan,sms\n".to_vec();
    for row in 1..=20_000 {
        let id = match row {
            9_000 => 10,
            15_000 => 19_999,
            _ => row,
        };
        csv.extend_from_slice(format!("{id},1,pre,\n").as_bytes());
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("dups.csv");
    std::fs::write(&path, &csv).expect("write");
    let mapping = Mapping::parse("m.yaml", MAPPING, &telco_schema()).expect("valid");
    let sink = RecordingSink::default();
    let options = LoadOptions::default()
        .with_batch_rows(12_000)
        .with_threads(4);
    let report = run(&path, None, &mapping, &sink, &options).expect("loads");
    let rejections: Vec<String> = report.rejections.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejections,
        [
            "row 9000 (line 9001), column `id`: customer id `10` appears on an earlier row (duplicate_id)",
            "row 19999 (line 20000), column `id`: customer id `19999` appears on an earlier row (duplicate_id)",
        ]
    );
    assert_eq!(sink.rows().len(), 19_998);
}
