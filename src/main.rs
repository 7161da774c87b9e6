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
            let report = quire::build::build(&opts)?.report;
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
        Command::Check(args) => check(&args),
        Command::Deploy(args) => deploy(&args),
        Command::Gif(args) => gif(&args),
        Command::Init(args) => init(&args),
        Command::New(args) => new_post(&args),
        Command::Serve(args) => quire::serve::run(&args.options()),
        Command::ImportJekyll(args) => import_jekyll(&args),
    }
}

fn import_jekyll(args: &cli::ImportJekyllArgs) -> quire::error::Result<()> {
    let report = quire::jekyll::import::import(&args.src, &args.dest)?;
    println!(
        "imported {} into {}: {} files",
        args.src.display(),
        args.dest.display(),
        report.written.len()
    );
    if !report.not_carried.is_empty() {
        println!("not carried over:");
        for line in &report.not_carried {
            println!("  {line}");
        }
    }
    Ok(())
}

fn check(args: &cli::CheckArgs) -> quire::error::Result<()> {
    let start = Instant::now();
    let report = quire::check::check(&args.options())?;
    for w in &report.build.warnings {
        eprintln!("warning: {w}");
    }
    for p in &report.problems {
        eprintln!("{p}");
    }
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    eprintln!("{} in {:.2?}", report.summary(), start.elapsed());
    if report.is_ok() {
        Ok(())
    } else {
        Err(quire::error::Error::BrokenReferences(report.problems.len()))
    }
}

fn deploy(args: &cli::DeployArgs) -> quire::error::Result<()> {
    let report = quire::deploy::deploy(&args.options())?;
    for w in &report.build.warnings {
        eprintln!("warning: {w}");
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let on_top = report
        .parent
        .as_deref()
        .map_or("new branch".to_string(), |p| {
            format!("on top of {}", &p[..p.len().min(12)])
        });
    let commit = &report.commit[..report.commit.len().min(12)];
    if report.unchanged {
        eprintln!(
            "site unchanged; nothing to commit ({} is already {commit})",
            report.branch
        );
    } else {
        eprintln!(
            "committed {} files to {} as {commit} ({on_top})",
            report.files, report.branch
        );
    }
    match &report.pushed_to {
        Some(remote) => eprintln!("pushed {} to {remote}", report.branch),
        None => eprintln!("not pushed (--no-push)"),
    }
    Ok(())
}

fn init(args: &cli::InitArgs) -> quire::error::Result<()> {
    let made = quire::scaffold::init::init(&args.dir)?;
    // The files on stdout, one a line; what to do next on stderr.
    for f in &made.files {
        println!("{}", f.display());
    }
    eprintln!(
        "made a quire site in {} (timezone {} in site.toml)",
        args.dir.display(),
        made.timezone
    );
    if !made.quire_git_known {
        eprintln!(
            "note: to publish with GitHub Actions, set QUIRE_GIT in {} to the git URL of \
             quire's repository",
            quire::scaffold::init::WORKFLOW_PATH
        );
    }
    let cd = if args.dir == std::path::Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", args.dir.display())
    };
    eprintln!("next: {cd}quire serve   (then open http://127.0.0.1:4000/)");
    Ok(())
}

fn new_post(args: &cli::NewArgs) -> quire::error::Result<()> {
    let written = quire::scaffold::new_post::new_post(&args.options())?;
    println!("{}", written.path.display());
    if written.draft {
        eprintln!("note: a draft: built only with --drafts (`quire serve --drafts`)");
    }
    if written.future {
        eprintln!("note: dated in the future: left out until then, unless --future");
    }
    Ok(())
}

fn gif(args: &cli::GifArgs) -> quire::error::Result<()> {
    let params = args.params();
    let bytes = quire::conv::render_gif(&params).map_err(quire::error::Error::conv_unlocated)?;
    quire::fs::write(&args.out, &bytes)?;
    let alt = quire::conv::alt_text(&params).map_err(quire::error::Error::conv_unlocated)?;
    eprintln!(
        "wrote {} ({} bytes): {alt}",
        args.out.display(),
        bytes.len()
    );
    Ok(())
}
