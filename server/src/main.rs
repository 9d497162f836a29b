fn main() -> std::process::ExitCode {
    provenance_ls::cli::main()
}
