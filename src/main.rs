//! `quire`: parse the command line, run it, print errors, set the exit code.

mod cli;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> quire::error::Result<()> {
    match command {
        Command::Build(args) => {
            let start = Instant::now();
            let opts = args.options();
            let report = quire::build::build(&opts)?;
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!(
                "built {} posts, {} pages ({} formulas, {} rendered) into {} in {:.2?}",
                report.posts,
                report.pages,
                report.formulas,
                report.formulas_rendered,
                opts.output.display(),
                start.elapsed()
            );
            Ok(())
        }
    }
}
