/**
 * The exit codes of profileservice-admin, documented in the README. Scripts branch on them: a refusal (5) and a
 * pending edit (6) are outcomes the tool chose for safety, not failures of Open Cloud.
 */
export const ExitCode = {
	/** Done (or, with --dry-run, the plan was shown). */
	Ok: 0,
	/** Open Cloud failed (5xx, 429 after every retry), the network did, or it answered something unexpected. */
	Failed: 1,
	/** A flag, argument, config file or input file was wrong; nothing was sent. */
	Usage: 2,
	/** The API key was refused (401) or lacks a permission the command needs (403); the message names it. */
	Auth: 3,
	/** The entry or revision does not exist. */
	NotFound: 4,
	/** Refused for safety: a live lock, a concurrent save that changed what was planned, or the game refused the edit. */
	Refused: 5,
	/** An edit was queued for the game and is not applied yet; it will be, exactly once. */
	Pending: 6,
	/** The write was not confirmed (answered no, or no terminal and no --yes). */
	NotConfirmed: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
