/**
 * The command's exit codes, documented in README.md ("The sidecar-injector command"). A
 * CI job tells "the check found something" (1) from "the check could not run" (2–4).
 */
export const ExitCode = {
  /** Done: nothing would change, nothing is stale, the templates are valid. */
  ok: 0,
  /** The check failed: `diff --check` found a change, `report` a stale pod, `validate` a problem. */
  findings: 1,
  /** The command line is wrong: unknown command or option, bad or missing value. */
  usage: 2,
  /** An input cannot be used: a file unreadable or unparseable, invalid templates, a document the webhook would refuse. */
  input: 3,
  /** The cluster could not answer: no kubeconfig, unreachable, forbidden, or the webhook or ConfigMap is missing. */
  cluster: 4,
  /** A bug here (sysexits' EX_SOFTWARE): the stack trace is printed. */
  internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
