/**
 * Everything the command touches outside itself. The bin passes the real process; the specs pass a world in virtual
 * time (admin/test), so that waiting for a game server and backing off from a 429 cost no real seconds.
 */
export interface CliIo {
	stdout: (text: string) => void;
	stderr: (text: string) => void;
	/** Asks a question on the terminal; undefined when there is none (piped input, CI). */
	ask?: (question: string) => Promise<string | undefined>;
	env: Record<string, string | undefined>;
	cwd: string;
	/** Unix milliseconds. */
	now: () => number;
	sleep: (ms: number) => Promise<void>;
	fetch: typeof fetch;
}
