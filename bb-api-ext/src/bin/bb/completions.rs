//! `bb completions SHELL`: the shell completion script, from the clap definition.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

/// Print a completion script to stdout.
///
/// bash: `bb completions bash > ~/.local/share/bash-completion/completions/bb`;
/// zsh: `bb completions zsh > "${fpath[1]}/_bb"`;
/// fish: `bb completions fish > ~/.config/fish/completions/bb.fish`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    shell: Target,
}

/// The shells `bb` writes completions for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Target {
    Bash,
    Zsh,
    Fish,
}

/// Writes the script for `C` (the whole `bb` command) to stdout.
pub fn run<C: CommandFactory>(args: &Args) -> ExitCode {
    let shell = match args.shell {
        Target::Bash => Shell::Bash,
        Target::Zsh => Shell::Zsh,
        Target::Fish => Shell::Fish,
    };
    let mut command = C::command();
    clap_complete::generate(shell, &mut command, "bb", &mut std::io::stdout());
    ExitCode::SUCCESS
}
