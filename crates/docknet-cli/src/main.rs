//! `docknet`: the headless side of docknet for teachers, scripts and tests.

mod commands;
mod conform;
mod engine;
mod exercise;
mod stream;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "docknet",
    version,
    about = "Simulate Docker networking on a model of the Linux kernel",
    after_help = "A SCENARIO is a RON file (kernel- or Docker-level) or a Compose file (compose.yaml, docker-compose.yml, any .yaml/.yml); a .env beside a compose file is read for its ${VAR}s."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TraceFormat {
    /// One JSON object per trace event (schema: docs/trace-format.md).
    Jsonl,
    /// What tcpdump -n -e would print (at one interface with --at, else everywhere).
    Tcpdump,
    /// The netfilter walk in the shape of `nft monitor trace`.
    Nft,
}

/// Overrides of a run's limits (the scenario's `limits`, else the defaults).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct RunLimits {
    /// Stop the run after this many events (default 200000, or the scenario's
    /// `limits: (max_events: N)`); a stopped run exits with status 1.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
    /// Stop the run before any event due later than this simulated time, e.g. `90s`,
    /// `1500ms` (default 1 hour, or the scenario's `limits: (max_time_ms: N)`).
    #[arg(long, value_name = "DURATION")]
    pub max_time: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print its trace.
    Trace {
        scenario: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: TraceFormat,
        /// Only captures at this interface (`ns:iface`), for the tcpdump format.
        #[arg(long, value_name = "NS:IFACE")]
        at: Option<String>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Run a scenario and narrate each packet's path step by step.
    Explain {
        scenario: PathBuf,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Print a namespace's state as `ip addr`, `ip route`, `iptables-save`, `conntrack -L`,
    /// `ip neigh` or `bridge fdb` would, at the end of the run or at a given time.
    Show {
        scenario: PathBuf,
        #[arg(long)]
        ns: String,
        /// addr | route | iptables-save | conntrack | neigh | fdb
        view: String,
        /// Simulated time, e.g. `1.5s`, `250ms`, `40us` or nanoseconds.
        #[arg(long, value_name = "TIME")]
        at_time: Option<String>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Validate scenarios and print every problem with file:line:column, and warnings
    /// (bridge loops, routing loops, traffic past the run's limits) before anything runs.
    Check {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Write the frames seen at one interface as a pcap file (Wireshark, tcpdump -r).
    Pcap {
        scenario: PathBuf,
        #[arg(long, value_name = "NS:IFACE")]
        at: String,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Print a bash script that builds the scenario for real (as root, in network namespaces
    /// it deletes on exit) and runs its traffic; DOCKNET_LAB_OUT=DIR saves pcaps and state.
    Lab {
        scenario: PathBuf,
        /// Prefix of the namespaces' names (default: `dn<PID>-`, unique per run).
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Run the scenario's lab on this machine's kernel (root) and compare its captures and
    /// conntrack table with the simulator's; prints a side-by-side diff on mismatch.
    Conform { scenario: PathBuf },
    /// Run a Docker-level scenario's command lines against a real dockerd (root; Debian's
    /// docker.io and busybox-static) in namespaces of its own, and compare the rules,
    /// addresses, routes and `docker ps`/`network inspect` with docknet's for that Engine.
    EngineCheck {
        #[arg(required_unless_present = "probe")]
        scenario: Option<PathBuf>,
        /// Prefix of the namespaces' names (default: `dk<PID>-`, unique per run).
        #[arg(long)]
        prefix: Option<String>,
        /// Only start and stop a dockerd: say whether the comparison can run here.
        #[arg(long)]
        probe: bool,
    },
    /// Verify learners' result files against fresh simulations of their variants and print a
    /// table (and a CSV for a gradebook with --csv).
    Grade {
        exercise: PathBuf,
        #[arg(long, required = true, num_args = 1..)]
        answers: Vec<PathBuf>,
        #[arg(long, value_name = "FILE.csv")]
        csv: Option<PathBuf>,
    },
    /// Write, check or answer exercises.
    #[command(subcommand)]
    Exercise(ExerciseCommand),
}

#[derive(Subcommand)]
enum ExerciseCommand {
    /// Print a new exercise built around a Docker-level scenario, with example tasks.
    New { scenario: PathBuf },
    /// Validate exercises: every query computes, every fix goal fails before and its
    /// reference solution achieves it.
    Check {
        #[arg(required = true)]
        exercises: Vec<PathBuf>,
    },
    /// Print the answers a learner's variant expects (by --learner name or --seed).
    Key {
        exercise: PathBuf,
        #[arg(long)]
        learner: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Trace {
            scenario,
            format,
            at,
            limits,
        } => commands::trace(&scenario, format, at.as_deref(), &limits),
        Command::Explain { scenario, limits } => commands::explain(&scenario, &limits),
        Command::Show {
            scenario,
            ns,
            view,
            at_time,
            limits,
        } => commands::show(&scenario, &ns, &view, at_time.as_deref(), &limits),
        Command::Check { scenarios, limits } => commands::check(&scenarios, &limits),
        Command::Pcap {
            scenario,
            at,
            output,
            limits,
        } => commands::pcap(&scenario, &at, &output, &limits),
        Command::Lab { scenario, prefix } => commands::lab(&scenario, prefix),
        Command::Conform { scenario } => commands::conform(&scenario),
        Command::EngineCheck {
            scenario,
            prefix,
            probe,
        } => commands::engine_check(scenario.as_deref(), prefix, probe),
        Command::Grade {
            exercise,
            answers,
            csv,
        } => exercise::grade(&exercise, &answers, csv.as_deref()),
        Command::Exercise(ExerciseCommand::New { scenario }) => exercise::new(&scenario),
        Command::Exercise(ExerciseCommand::Check { exercises }) => exercise::check(&exercises),
        Command::Exercise(ExerciseCommand::Key {
            exercise,
            learner,
            seed,
        }) => exercise::key(&exercise, learner.as_deref(), seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
