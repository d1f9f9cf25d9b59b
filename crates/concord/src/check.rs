//! `concord check` and `concord schema`: strategy validation and its JSON Schema, for CI and editors.

use crate::cli::CheckArgs;
use concord_strategy::Strategy;
use std::process::ExitCode;

#[allow(clippy::print_stdout)]
pub fn run(args: &CheckArgs) -> ExitCode {
    match Strategy::load(&args.dir) {
        Ok(strategy) => {
            if let Some(path) = &args.connections {
                let checked = concord_channel::connections::Connections::load(path)
                    .and_then(|c| c.check(&strategy).map(|()| c));
                match checked {
                    Ok(c) => println!(
                        "{}: ok: {} endpoint(s), {} sink(s), {} outbound channel(s) routed",
                        path.display(),
                        c.endpoints.len(),
                        c.sinks.len(),
                        c.channels.len()
                    ),
                    Err(errors) => {
                        eprintln!("{errors}");
                        eprintln!("{}: {} error(s)", path.display(), errors.errors.len());
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!(
                "{}: ok: strategy {} v{}, {} channels, {} actions, hash {}",
                args.dir.display(),
                strategy.name(),
                strategy.version(),
                strategy.channels().len(),
                strategy.actions().len(),
                strategy.hash()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{}: {} error(s)", args.dir.display(), errors.errors.len());
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
pub fn print_schema() -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&concord_strategy::json_schema())?
    );
    Ok(())
}
