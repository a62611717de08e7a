/**
 * What every command works with: the entry it addresses, the Open Cloud client, the output (words on stdout, or
 * one JSON document with --json), and the confirmation every write asks for.
 */
import { CliError } from "./CliError.js";
import type { CliIo } from "./CliIo.js";
import { BIN, type CommandName } from "./CommandLine.js";
import type { Config } from "./Config.js";
import { ExitCode } from "./ExitCode.js";
import { readLock, type Lock } from "./LockState.js";
import type { Entry, EntryAddress, OpenCloudClient } from "./OpenCloudClient.js";
import { readProfileValue, type ProfileValue } from "./ProfileValue.js";

export interface LoadedProfile {
	entry: Entry;
	profile: ProfileValue;
	/** The key holds only global updates (sent before the player ever joined). */
	dataless: boolean;
	lock: Lock;
}

export class CommandContext {
	/** The --json document, printed once the command ends. */
	readonly result: Record<string, unknown>;

	constructor(
		readonly command: CommandName,
		readonly io: CliIo,
		readonly config: Config,
		readonly client: OpenCloudClient,
		readonly address: EntryAddress,
		readonly flags: Record<string, string | boolean | undefined>,
	) {
		this.result = { command, universeId: config.universeId, ...address };
	}

	get json(): boolean {
		return this.flags.json === true;
	}

	/** Words for the person at the terminal (nothing with --json: stdout then carries the JSON alone). */
	say(...lines: string[]) {
		if (!this.json) for (const line of lines) this.io.stdout(line);
	}

	/** Progress and warnings: stderr, so --json stays parseable. */
	note(line: string) {
		this.io.stderr(line);
	}

	nowSeconds(): number {
		return this.io.now() / 1000;
	}

	entryName(): string {
		const scope = this.address.scope === "global" ? "" : `, scope "${this.address.scope}"`;
		return `"${this.address.key}" in data store "${this.address.store}"${scope} (universe ${this.config.universeId})`;
	}

	/** Reads the entry as a profile, at a revision or the latest. Errors when there is none or it is not a profile. */
	async load(revision?: string): Promise<LoadedProfile> {
		const entry = await this.client.getEntry(this.address, revision);
		if (entry === undefined) {
			const what = revision !== undefined ? `revision ${revision} of ${this.entryName()}` : this.entryName();
			throw new CliError(
				`There is no ${what}${revision === undefined ? " (never written, or deleted)" : ""}.`,
				ExitCode.NotFound,
				"NOT_FOUND",
			);
		}
		const read = readProfileValue(entry.value);
		if ("problem" in read) {
			throw new CliError(
				`${this.entryName()} is not a ProfileService profile: ${read.problem}.`,
				ExitCode.Refused,
				"NOT_A_PROFILE",
			);
		}
		// An earlier revision's lock is read as of that revision: whether it is dead now says nothing about it.
		const at = revision !== undefined ? Date.parse(entry.revisionCreateTime) / 1000 : this.nowSeconds();
		return { entry, ...read, lock: readLock(read.profile.MetaData, at) };
	}

	/**
	 * Writes `value` over the entry `current` was read from, only if it is still at that revision (its etag).
	 * Users and attributes go back as read: an update that left them out would clear them.
	 */
	writeBack(current: LoadedProfile, value: ProfileValue): Promise<Entry | "conflict"> {
		const { entry } = current;
		return this.client.updateEntry(this.address, {
			value,
			etag: entry.etag,
			users: entry.users,
			attributes: entry.attributes,
		});
	}

	/**
	 * Asks before a write. `typed`: the answer must be that text (erase asks for the key). --yes answers for the
	 * user; without a terminal and without --yes nothing is written.
	 */
	async confirm(question: string, typed?: string): Promise<void> {
		if (this.flags.yes === true) return;
		const ask = this.io.ask;
		if (ask === undefined) {
			throw new CliError(
				`${BIN} ${this.command}: not confirmed, nothing was written. There is no terminal to ask; pass --yes to confirm.`,
				ExitCode.NotConfirmed,
				"NOT_CONFIRMED",
			);
		}
		const prompt = typed !== undefined ? `${question} Type ${typed} to confirm: ` : `${question} [y/N] `;
		const answer = (await ask(prompt))?.trim();
		const yes = typed !== undefined ? answer === typed : answer !== undefined && /^y(es)?$/i.test(answer);
		if (!yes) {
			throw new CliError(
				`${BIN} ${this.command}: not confirmed, nothing was written.`,
				ExitCode.NotConfirmed,
				"NOT_CONFIRMED",
			);
		}
	}
}
