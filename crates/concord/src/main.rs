//! `concord`: the one binary. Parses the command line and hands off to a command module.

mod bench;
mod bench_decide;
mod bench_learn;
mod bench_outbound;
mod bench_scale;
mod bench_ussd;
mod check;
mod cli;
mod demo;
mod demo_systems;
mod evaluate;
mod export;
mod export_kpis;
mod export_report;
#[cfg(feature = "kafka")]
mod kafka;
mod keys;
mod load;
mod replay;
mod run;
mod serve;
mod simulate;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log.as_deref());
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Load(args) => load::run(args),
        Command::Bench(cli::BenchCommand::Ingest(args)) => bench::ingest(args),
        Command::Bench(cli::BenchCommand::Scale(args)) => bench_scale::run(args),
        Command::Bench(cli::BenchCommand::Decide(args)) => bench_decide::run(args),
        Command::Bench(cli::BenchCommand::Echo(args)) => bench_decide::echo(args),
        Command::Bench(cli::BenchCommand::Learn(args)) => bench_learn::run(args),
        Command::Bench(cli::BenchCommand::Ussd(args)) => bench_ussd::run(args),
        Command::Bench(cli::BenchCommand::Outbound(args)) => bench_outbound::run(args),
        Command::Check(args) => return check::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Replay(args) => return replay::run(&args),
        Command::Schema => check::print_schema(),
        Command::Export(cli::ExportCommand::Models(args)) => export::models(args),
        Command::Export(cli::ExportCommand::Report(args)) => export_report::run(args),
        Command::Export(cli::ExportCommand::Kpis(args)) => export_kpis::kpis(args),
        Command::Export(cli::ExportCommand::Lift(args)) => export_kpis::lift(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Evaluate(args) => evaluate::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: Option<&str>) {
    let filter = filter
        .map(str::to_owned)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}
