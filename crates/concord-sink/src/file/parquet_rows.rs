//! A call list as Parquet: rows buffered into Arrow column builders, written as one record
//! batch every `BATCH_ROWS`, Snappy-compressed.

use super::EncodeError;
use crate::OutboundContact;
use arrow_array::builder::{
    Float64Builder, StringBuilder, TimestampMillisecondBuilder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::sync::Arc;

/// Rows per record batch: enough to amortise the per-batch work, few enough that the buffered
/// columns stay in the tens of megabytes.
const BATCH_ROWS: usize = 65_536;

/// Columns that are (nearly) unique per row: a dictionary would only be built to be dropped.
const UNIQUE_COLUMNS: [&str; 3] = ["contact_id", "decision_id", "customer_id"];

/// The Arrow schema of a call list (the order of [`super::CALL_LIST_COLUMNS`]).
pub(super) fn schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let time = |name: &str, nullable: bool| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            nullable,
        )
    };
    Arc::new(Schema::new(vec![
        text("contact_id", false),
        text("decision_id", false),
        text("customer_id", false),
        text("channel", false),
        text("action_id", false),
        Field::new("rank", DataType::UInt32, false),
        text("issue", false),
        text("group", false),
        text("text", true),
        Field::new("price", DataType::Float64, true),
        time("valid_until", true),
        Field::new("propensity", DataType::Float64, false),
        Field::new("value", DataType::Float64, false),
        time("time", false),
        text("trigger", true),
        text("run", true),
        text("arm", false),
        text("variant", true),
    ]))
}

pub(super) struct ParquetRows {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    columns: Columns,
    buffered: usize,
}

impl ParquetRows {
    pub(super) fn new(file: File) -> Result<Self, EncodeError> {
        let mut properties = WriterProperties::builder().set_compression(Compression::SNAPPY);
        for column in UNIQUE_COLUMNS {
            properties = properties.set_column_dictionary_enabled(ColumnPath::from(column), false);
        }
        let schema = schema();
        let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties.build()))?;
        Ok(Self {
            writer,
            schema,
            columns: Columns::new(),
            buffered: 0,
        })
    }

    pub(super) fn push(&mut self, contact: &OutboundContact) -> Result<(), EncodeError> {
        self.columns.append(contact);
        self.buffered += 1;
        if self.buffered >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<File, EncodeError> {
        self.flush()?;
        Ok(self.writer.into_inner()?)
    }

    fn flush(&mut self) -> Result<(), EncodeError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.columns, Columns::new());
        self.buffered = 0;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), full.finish())?;
        self.writer.write(&batch)?;
        Ok(())
    }
}

/// One builder per column; appending copies the contact's strings, allocating only when a
/// builder's buffer grows.
struct Columns {
    contact_id: StringBuilder,
    decision_id: StringBuilder,
    customer_id: StringBuilder,
    channel: StringBuilder,
    action_id: StringBuilder,
    rank: UInt32Builder,
    issue: StringBuilder,
    group: StringBuilder,
    text: StringBuilder,
    price: Float64Builder,
    valid_until: TimestampMillisecondBuilder,
    propensity: Float64Builder,
    value: Float64Builder,
    time: TimestampMillisecondBuilder,
    trigger: StringBuilder,
    run: StringBuilder,
    arm: StringBuilder,
    variant: StringBuilder,
}

impl Columns {
    fn new() -> Self {
        let ids = || StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 24);
        let words = || StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 8);
        let times = || TimestampMillisecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC");
        let numbers = || Float64Builder::with_capacity(BATCH_ROWS);
        Self {
            contact_id: ids(),
            decision_id: ids(),
            customer_id: ids(),
            channel: words(),
            action_id: words(),
            rank: UInt32Builder::with_capacity(BATCH_ROWS),
            issue: words(),
            group: words(),
            text: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 32),
            price: numbers(),
            valid_until: times(),
            propensity: numbers(),
            value: numbers(),
            time: times(),
            trigger: words(),
            run: words(),
            arm: words(),
            variant: words(),
        }
    }

    fn append(&mut self, contact: &OutboundContact) {
        self.contact_id.append_value(&contact.contact_id);
        self.decision_id.append_value(&contact.decision_id);
        self.customer_id.append_value(&contact.customer_id);
        self.channel.append_value(&contact.channel);
        self.action_id.append_value(&contact.action_id);
        self.rank.append_value(contact.rank);
        self.issue.append_value(&contact.issue);
        self.group.append_value(&contact.group);
        self.text.append_option(contact.text.as_deref());
        self.price.append_option(contact.price);
        self.valid_until
            .append_option(contact.valid_until.map(|t| t.as_millisecond()));
        self.propensity.append_value(contact.propensity);
        self.value.append_value(contact.value);
        self.time.append_value(contact.time.as_millisecond());
        self.trigger.append_option(contact.trigger.as_deref());
        self.run.append_option(contact.run.as_deref());
        self.arm.append_value(&contact.arm);
        self.variant.append_option(contact.variant.as_deref());
    }

    /// The arrays, in schema order.
    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.contact_id.finish()),
            Arc::new(self.decision_id.finish()),
            Arc::new(self.customer_id.finish()),
            Arc::new(self.channel.finish()),
            Arc::new(self.action_id.finish()),
            Arc::new(self.rank.finish()),
            Arc::new(self.issue.finish()),
            Arc::new(self.group.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.price.finish()),
            Arc::new(self.valid_until.finish()),
            Arc::new(self.propensity.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.trigger.finish()),
            Arc::new(self.run.finish()),
            Arc::new(self.arm.finish()),
            Arc::new(self.variant.finish()),
        ]
    }
}
