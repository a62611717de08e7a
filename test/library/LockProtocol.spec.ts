/**
 * The session lock's decisions, table by table, without servers or a DataStore: what a round writes given what the
 * key holds, and what the load does next given what the write left.
 */
import {
	answerStep,
	applyWrite,
	decideWrite,
	earlyStealDue,
	handOverTo,
	heartbeatFenceDue,
	heartbeatFresh,
	heartbeatStale,
	holderMarker,
	initialLockState,
	listenerMarker,
	nextStep,
	observeHeartbeat,
	readMarker,
	roundSpacing,
	shouldAskHolder,
	silentHolderStale,
	stepStealHeld,
	watchHolder,
	type Advert,
	type HandOffGrant,
	type HeartbeatReading,
	type HeartbeatWatch,
	type ProbeResult,
	type LockState,
	type LockStep,
	type LockWrite,
	type RoundContext,
} from "../../src/internal/LockProtocol";
import type { SessionTag, StoredMetaData } from "../../src/internal/Payload";
import { expectError } from "../Expect";
import { Settings } from "../../src/internal/Constants";

const ME: SessionTag = [1, "me"];
const OTHER: SessionTag = [1, "other"];
const THIRD: SessionTag = [2, "third"];
const NOW = 1_000_000;
const DEAD = NOW - 30 * 60 - 1;
const FRESH = NOW - 20;
const ROUND: RoundContext = { me: ME, now: NOW, superseded: false, shuttingDown: false };

const ASK: LockState = { mode: "ask" };
const REQUEST: LockState = { mode: "request" };
const WAIT0: LockState = { mode: "wait", steps: 0 };
const STEAL: LockState = { mode: "steal" };
const TAKEOVER: LockState = { mode: "takeover" };

type Holds = Pick<StoredMetaData, "ActiveSession" | "ForceLoadSession" | "LastUpdate"> | undefined;

function holds(active?: SessionTag, forceLoad?: SessionTag, lastUpdate = FRESH): Holds {
	return { ActiveSession: active, ForceLoadSession: forceLoad, LastUpdate: lastUpdate };
}

function describeStep(step: LockStep): string {
	if (step.kind === "retry") {
		const state = step.state.mode === "wait" ? `wait ${step.state.steps}` : step.state.mode;
		return `retry ${state} after ${step.delay}`;
	}
	if (step.kind === "ask") return `ask ${step.holder[1]}`;
	return step.kind;
}

export = () => {
	describe("the first state", () => {
		it("follows the notReleasedHandler", () => {
			expect(initialLockState("ForceLoad").mode).to.equal("request");
			expect(initialLockState("Steal").mode).to.equal("takeover");
			expect(initialLockState("function").mode).to.equal("ask");
		});
	});

	describe("decideWrite: what a round writes, given what the key holds", () => {
		const cases: Array<[string, LockState, Holds, Partial<RoundContext>, LockWrite]> = [
			["a key with no profile yet is taken", REQUEST, undefined, {}, "take"],
			["a released lock is taken", ASK, holds(undefined), {}, "take"],
			["our own lock is taken again (clears a pending request)", WAIT0, holds(ME, OTHER), {}, "take"],
			[
				"a dead lock (30 min without update) is taken in any state",
				ASK,
				holds(OTHER, undefined, DEAD),
				{},
				"take",
			],
			["ForceLoad's first round requests the lock", REQUEST, holds(OTHER), {}, "request"],
			["ForceLoad waiting for the holder keeps the lock as it is", WAIT0, holds(OTHER, ME), {}, "keep"],
			["a steal takes the lock when our request stands", STEAL, holds(OTHER, ME), {}, "take"],
			["a steal keeps it when another server's request replaced ours", STEAL, holds(OTHER, THIRD), {}, "keep"],
			["Steal takes the lock whoever holds it", TAKEOVER, holds(OTHER, THIRD), {}, "take"],
			["a handler function keeps the lock and is asked", ASK, holds(OTHER), {}, "keep"],
			["a lock that is not a session tag is left alone", REQUEST, { ActiveSession: "x" as never }, {}, "keep"],
			["a superseded load never writes", STEAL, holds(undefined), { superseded: true }, "cancel"],
			["a superseded load never writes, even to a new key", REQUEST, undefined, { superseded: true }, "cancel"],
			["no lock is taken once the server shuts down", TAKEOVER, holds(OTHER), { shuttingDown: true }, "cancel"],
		];
		for (const [name, state, meta, context, expected] of cases) {
			it(name, () => {
				expect(decideWrite(state, meta, { ...ROUND, ...context })).to.equal(expected);
			});
		}
	});

	describe("applyWrite", () => {
		it("take: our session, no request, one more load, LastUpdate now", () => {
			const meta: StoredMetaData = {
				ProfileCreateTime: 1,
				SessionLoadCount: 4,
				ActiveSession: OTHER,
				ForceLoadSession: ME,
				MetaTags: {},
				LastUpdate: FRESH,
			};
			applyWrite(meta, "take", ME, NOW);
			expect(meta.HandOff).to.equal(undefined);
			applyWrite(meta, "take", ME, NOW, { listening: true, period: 30, heartbeat: false });
			expect(meta.HandOff![0]).to.equal("me");
			expect(meta.HandOff![1]).to.equal("on");
			expect(meta.SessionLoadCount).to.equal(6);
			meta.SessionLoadCount = 5;
			expect(meta.ActiveSession).to.equal(ME);
			expect(meta.ForceLoadSession).to.equal(undefined);
			expect(meta.SessionLoadCount).to.equal(5);
			expect(meta.LastUpdate).to.equal(NOW);
		});

		it("request: only ForceLoadSession changes; keep changes nothing", () => {
			const meta: StoredMetaData = {
				ProfileCreateTime: 1,
				SessionLoadCount: 4,
				ActiveSession: OTHER,
				MetaTags: {},
			};
			applyWrite(meta, "request", ME, NOW);
			expect(meta.ForceLoadSession).to.equal(ME);
			expect(meta.ActiveSession).to.equal(OTHER);
			expect(meta.SessionLoadCount).to.equal(4);
			applyWrite(meta, "keep", ME, NOW);
			expect(meta.ForceLoadSession).to.equal(ME);
			expect(meta.LastUpdate).to.equal(undefined);
		});
	});

	describe("nextStep: what the load does, given what the write left", () => {
		const cases: Array<[string, LockState, Holds, string]> = [
			["our lock: the profile is ours", REQUEST, holds(ME), "adopt"],
			["no lock yet (a write that raced): another round", ASK, holds(undefined), "retry ask after 0"],
			["ForceLoad request written: wait for the holder", REQUEST, holds(OTHER, ME), "retry wait 0 after 0"],
			[
				"each round that still finds the holder is a step",
				{ mode: "wait", steps: 3 },
				holds(OTHER, ME),
				"retry wait 4 after 0",
			],
			["the eighth step turns into a steal", { mode: "wait", steps: 7 }, holds(OTHER, ME), "retry steal after 0"],
			[
				"another server's ForceLoad replaced ours: yield to it",
				{ mode: "wait", steps: 2 },
				holds(OTHER, THIRD),
				"yield",
			],
			["a request replaced before it was seen: yield", REQUEST, holds(OTHER, THIRD), "yield"],
			["a steal that was interrupted: yield", STEAL, holds(OTHER, THIRD), "yield"],
			["Steal retries until it holds the lock", TAKEOVER, holds(OTHER), "retry takeover after 0"],
			["a handler function is asked, with the holder", ASK, holds(OTHER), "ask other"],
		];
		for (const [name, state, meta, expected] of cases) {
			it(name, () => {
				expect(describeStep(nextStep(state, meta!, ME))).to.equal(expected);
			});
		}

		it("a crashed holder's lock is stolen after exactly 8 steps of ForceLoad", () => {
			let state: LockState = initialLockState("ForceLoad");
			let rounds = 0;
			for (;;) {
				rounds += 1;
				const meta = holds(OTHER, ME);
				const write = decideWrite(state, meta, ROUND);
				if (write === "take") break;
				const step = nextStep(state, meta!, ME);
				expect(step.kind).to.equal("retry");
				if (step.kind === "retry") state = step.state;
				expect(rounds < 20).to.equal(true);
			}
			// One round writes the request, eight rounds are steps, the tenth round takes the lock.
			expect(rounds).to.equal(10);
		});
	});

	describe("holderMarker: what a lock says about its holder's listener", () => {
		const lock = (active: SessionTag | undefined, marker: StoredMetaData["HandOff"]) => ({
			ActiveSession: active,
			HandOff: marker,
		});
		const cases: Array<[string, ReturnType<typeof lock>, string]> = [
			["the holder's own marker: on", lock(OTHER, ["other", "on"]), "on"],
			["a long-period holder's marker: on", lock(OTHER, ["other", "long", 300, 1]), "on"],
			["a long-period holder that cannot hear: none (off)", lock(OTHER, ["other", "off", 300]), "none"],
			["a lock handed to the holder: handed", lock(OTHER, ["other", "handed"]), "handed"],
			["no marker (an original holder, or one whose listener is unverified)", lock(OTHER, undefined), "none"],
			[
				"a marker left by an earlier holder (an original server took the lock since)",
				lock(THIRD, ["other", "on"]),
				"none",
			],
			["a free lock", lock(undefined, ["other", "on"]), "none"],
			["a marker in an unknown state", lock(OTHER, ["other", "x" as never]), "none"],
		];
		for (const [name, meta, expected] of cases) {
			it(name, () => expect(holderMarker(meta) ?? "none").to.equal(expected));
		}
	});

	describe("watchHolder and earlyStealDue: when a silent holder's lock is taken early", () => {
		const T0 = 1_700_000_000_000;
		const lock = (marker: "on" | "handed" | undefined, lastUpdate = FRESH, loadCount = 3, holder = OTHER) => ({
			ActiveSession: holder,
			SessionLoadCount: loadCount,
			LastUpdate: lastUpdate,
			HandOff: marker === undefined ? undefined : ([holder[1], marker] as StoredMetaData["HandOff"]),
		});
		const ON = lock("on");
		const watchOf = (meta: ReturnType<typeof lock>) => watchHolder(undefined, meta, T0)!;
		// [name, watched lock, lock now, probe, DataStore now, expected]
		const cases: Array<
			[string, ReturnType<typeof lock>, ReturnType<typeof lock>, ProbeResult | undefined, number, boolean]
		> = [
			[
				"a listening holder, silent, 40 s without writing by the DataStore's clock: take",
				ON,
				ON,
				"silent",
				T0 + 40_000,
				true,
			],
			["39.9 s: not yet", ON, ON, "silent", T0 + 39_900, false],
			["it answered (alive): never early", ON, ON, "alive", T0 + 400_000, false],
			["messages inconclusive (unknown): never early", ON, ON, "unknown", T0 + 400_000, false],
			["not probed yet: never early", ON, ON, undefined, T0 + 400_000, false],
			[
				"no marker (original holder, failed subscription): never early",
				lock(undefined),
				lock(undefined),
				"silent",
				T0 + 400_000,
				false,
			],
			[
				"it wrote its lock since (LastUpdate changed, whatever its clock says): not",
				ON,
				lock("on", FRESH - 100),
				"silent",
				T0 + 400_000,
				false,
			],
			["another session of the holder: not", ON, lock("on", FRESH, 4), "silent", T0 + 400_000, false],
			["another holder: not", ON, lock("on", FRESH, 3, THIRD), "silent", T0 + 400_000, false],
			["its marker was withdrawn since: not", ON, lock(undefined), "silent", T0 + 400_000, false],
			[
				"a handed lock its new holder never wrote: 15 s",
				lock("handed"),
				lock("handed"),
				"silent",
				T0 + 15_000,
				true,
			],
			["a handed lock at 14 s: not yet", lock("handed"), lock("handed"), "silent", T0 + 14_000, false],
		];
		for (const [name, watched, now, probe, storeNow, expected] of cases) {
			it(name, () => {
				expect(earlyStealDue(watchOf(watched), now, probe, storeNow)).to.equal(expected);
			});
		}

		it("a holder's clock is never compared: a LastUpdate hours in the past or future changes nothing", () => {
			for (const lastUpdate of [NOW - 7200, NOW + 7200]) {
				const meta = lock("on", lastUpdate);
				expect(earlyStealDue(watchOf(meta), meta, "silent", T0 + 39_000)).to.equal(false);
				expect(earlyStealDue(watchOf(meta), meta, "silent", T0 + 40_000)).to.equal(true);
			}
		});

		it("the watch keeps its start while the lock stays the same, and restarts when the holder writes", () => {
			const first = watchHolder(undefined, ON, T0)!;
			expect(watchHolder(first, ON, T0 + 30_000)).to.equal(first);
			const rewritten = watchHolder(first, lock("on", FRESH + 30), T0 + 30_000)!;
			expect(rewritten.since).to.equal(T0 + 30_000);
			expect(watchHolder(rewritten, lock(undefined, FRESH + 30), T0 + 31_000)!.since).to.equal(T0 + 31_000);
			expect(watchHolder(first, { ActiveSession: undefined, SessionLoadCount: 3 }, T0)).to.equal(undefined);
		});

		it("decideWrite takes the lock early only while waiting on our own request", () => {
			expect(decideWrite(WAIT0, holds(OTHER, ME), { ...ROUND, earlySteal: true })).to.equal("take");
			expect(decideWrite(WAIT0, holds(OTHER, THIRD), { ...ROUND, earlySteal: true })).to.equal("keep");
			expect(decideWrite(ASK, holds(OTHER), { ...ROUND, earlySteal: true })).to.equal("keep");
			expect(decideWrite(WAIT0, holds(OTHER, ME), { ...ROUND, earlySteal: false })).to.equal("keep");
		});
	});

	describe("listenerMarker and readMarker: what a lock advertises about its holder", () => {
		const advert = (listening: boolean, period: number, heartbeat: boolean): Advert => ({
			listening,
			period,
			heartbeat,
		});
		const cases: Array<[string, Advert, StoredMetaData["HandOff"]]> = [
			["no verified listener, the default period: no marker", advert(false, 30, true), undefined],
			[
				"no verified listener, a longer period: off, the period, never the heartbeat",
				advert(false, 300, true),
				["me", "off", 300],
			],
			["a listener, the default period, no heartbeat: as before", advert(true, 30, false), ["me", "on"]],
			[
				"a listener and a longer period: long (old versions: no marker), the period",
				advert(true, 300, false),
				["me", "long", 300],
			],
			["with a heartbeat: the period always, then the claim", advert(true, 30, true), ["me", "on", 30, 1]],
			["a shorter period with a heartbeat: on", advert(true, 15, true), ["me", "on", 15, 1]],
			["a longer period with a heartbeat: long", advert(true, 300, true), ["me", "long", 300, 1]],
		];
		for (const [name, given, expected] of cases) {
			it(name, () => {
				const written = listenerMarker(ME, given);
				expect(written === undefined ? "none" : (written as defined[]).join(",")).to.equal(
					expected === undefined ? "none" : (expected as defined[]).join(","),
				);
				if (written !== undefined) {
					const read = readMarker({ ActiveSession: ME, HandOff: written });
					expect(read.period).to.equal(given.period);
					expect(read.heartbeat).to.equal(given.heartbeat && given.listening);
				}
			});
		}
		const reads: Array<[string, StoredMetaData["HandOff"], number, boolean]> = [
			["no marker (an original holder): the default period, no heartbeat", undefined, 30, false],
			["another job's marker: no heartbeat", ["third", "on", 30, 1], 30, false],
			["a handed lock: no heartbeat", ["other", "handed"], 30, false],
			[
				"a period that is not a number: the longest period, no heartbeat",
				["other", "on", "x" as never, 1],
				1200,
				false,
			],
			["a period below the minimum: the longest, no heartbeat", ["other", "on", 1, 1], 1200, false],
			["a period above the maximum: the maximum", ["other", "on", 99999, 1], 1200, true],
			["a claim that is not 1: none", ["other", "long", 300, true as never], 300, false],
		];
		for (const [name, marker, period, heartbeat] of reads) {
			it(`reads ${name}`, () => {
				const read = readMarker({ ActiveSession: OTHER, HandOff: marker });
				expect(read.period).to.equal(period);
				expect(read.heartbeat).to.equal(heartbeat);
			});
		}
		it("silentHolderStale: a period and 10 s (40 s with the default, as before)", () => {
			expect(silentHolderStale(30)).to.equal(40);
			expect(silentHolderStale(300)).to.equal(310);
		});
	});

	describe("observeHeartbeat and heartbeatStale: judging a holder's heartbeat on this server's clock", () => {
		const ok = (value: number | undefined): HeartbeatReading => ({ ok: true, value });
		const failed: HeartbeatReading = { ok: false };
		const run = (readings: Array<[number, HeartbeatReading]>) => {
			let watch: HeartbeatWatch | undefined;
			for (const [at, reading] of readings) watch = observeHeartbeat(watch, reading, at);
			return heartbeatStale(watch);
		};
		const cases: Array<[string, Array<[number, HeartbeatReading]>, boolean]> = [
			[
				"the same value read 14 s apart: stale",
				[
					[0, ok(5)],
					[14, ok(5)],
				],
				true,
			],
			[
				"13.9 s apart: not yet",
				[
					[0, ok(5)],
					[13.9, ok(5)],
				],
				false,
			],
			[
				"the value advanced: not",
				[
					[0, ok(5)],
					[6, ok(6)],
					[14, ok(6)],
				],
				false,
			],
			["one reading only: not", [[0, ok(5)]], false],
			[
				"nothing but failed reads: never",
				[
					[0, failed],
					[20, failed],
					[40, failed],
				],
				false,
			],
			[
				"a value, then only failed reads: never (readable AND stale)",
				[
					[0, ok(5)],
					[20, failed],
					[40, failed],
				],
				false,
			],
			[
				"failed reads between two equal readings: stale",
				[
					[0, ok(5)],
					[6, failed],
					[15, ok(5)],
				],
				true,
			],
			[
				"an absent entry read twice 12 s apart (expired): stale",
				[
					[0, ok(undefined)],
					[14, ok(undefined)],
				],
				true,
			],
			[
				"an entry that appears: starts over",
				[
					[0, ok(undefined)],
					[10, ok(1)],
					[23, ok(1)],
				],
				false,
			],
			[
				"an entry that appears then stands still: stale",
				[
					[0, ok(undefined)],
					[10, ok(1)],
					[24, ok(1)],
				],
				true,
			],
		];
		for (const [name, readings, expected] of cases) {
			it(name, () => expect(run(readings)).to.equal(expected));
		}
	});

	describe("heartbeatFenceDue: when a holder withdraws its heartbeat claim", () => {
		const cases: Array<[string, boolean, number | undefined, number, boolean]> = [
			["a claim, heartbeat written 3.9 s ago: not yet", true, 100, 103.9, false],
			["a claim, 4 s ago: now", true, 100, 104, true],
			["a claim and never written: now", true, undefined, 0, true],
			["no claim: never", false, undefined, 1000, false],
		];
		for (const [name, claimed, lastWrite, now, expected] of cases) {
			it(name, () => expect(heartbeatFenceDue(claimed, lastWrite, now)).to.equal(expected));
		}
		it("fences well before a requester can judge the heartbeat stale, the fence save given a write cooldown", () => {
			expect(Settings.HeartbeatFence + Settings.WriteCooldown < Settings.HeartbeatStale).to.equal(true);
		});
	});

	describe("heartbeatFresh: a holder seen alive by its heartbeat", () => {
		const ok = (value: number | undefined): HeartbeatReading => ({ ok: true, value });
		// [name, readings at this server's clock, now, fresh]
		const cases: Array<[string, Array<[number, HeartbeatReading]>, number, boolean]> = [
			["one reading: not yet known", [[0, ok(5)]], 1, false],
			[
				"the counter advanced 13.9 s ago: fresh",
				[
					[0, ok(5)],
					[1, ok(6)],
				],
				14.9,
				true,
			],
			[
				"the counter advanced 14 s ago and stood still since: no longer",
				[
					[0, ok(5)],
					[1, ok(6)],
					[15, ok(6)],
				],
				15,
				false,
			],
			[
				"the entry expired (absent) after a value: not fresh",
				[
					[0, ok(5)],
					[1, ok(undefined)],
				],
				2,
				false,
			],
			[
				"an entry that appears: the holder wrote it",
				[
					[0, ok(undefined)],
					[1, ok(1)],
				],
				2,
				true,
			],
			[
				"failed reads change nothing",
				[
					[0, ok(5)],
					[1, { ok: false }],
					[2, { ok: false }],
				],
				3,
				false,
			],
		];
		for (const [name, readings, now, expected] of cases) {
			it(name, () => {
				let watch: HeartbeatWatch | undefined;
				for (const [at, reading] of readings) watch = observeHeartbeat(watch, reading, at);
				expect(heartbeatFresh(watch, now)).to.equal(expected);
			});
		}
	});

	describe("earlyStealDue and stepStealHeld with a heartbeat and a period", () => {
		const T0 = 1_700_000_000_000;
		const lock = (marker: StoredMetaData["HandOff"]) => ({
			ActiveSession: OTHER,
			SessionLoadCount: 3,
			LastUpdate: FRESH,
			HandOff: marker,
		});
		const BEAT = lock(["other", "long", 300, 1]);
		const LONG = lock(["other", "long", 300]);
		const SHORT = lock(["other", "on"]);
		const NONE = lock(undefined);
		type Lock = ReturnType<typeof lock>;
		// [name, lock, probe, DataStore ms since the watch began, heartbeat stale, early steal]
		const early: Array<[string, Lock, ProbeResult, number, boolean, boolean]> = [
			["heartbeat claimed and stale, probe silent: take at once", BEAT, "silent", 0, true, true],
			["heartbeat stale but the holder answered: never", BEAT, "alive", 0, true, false],
			["heartbeat stale, messages inconclusive: never", BEAT, "unknown", 0, true, false],
			[
				"heartbeat not stale (readable and advancing, or unreadable): the DataStore rule",
				BEAT,
				"silent",
				309_000,
				false,
				false,
			],
			["the DataStore rule scales with the period: 310 s", BEAT, "silent", 310_000, false, true],
			["no heartbeat claimed: a stale reading counts for nothing", LONG, "silent", 0, true, false],
			["a long period without heartbeat: 310 s", LONG, "silent", 310_000, false, true],
			["the default period: 40 s, as before", SHORT, "silent", 40_000, false, true],
			["an original holder: never early", NONE, "silent", 10_000_000, true, false],
			[
				"a holder that cannot hear (off): never early",
				lock(["other", "off", 300, 1]),
				"silent",
				10_000_000,
				true,
				false,
			],
		];
		for (const [name, meta, probe, quiet, stale, expected] of early) {
			it(`early: ${name}`, () => {
				const watch = watchHolder(undefined, meta, T0);
				expect(earlyStealDue(watch, meta, probe, T0 + quiet, stale)).to.equal(expected);
			});
		}
		// [name, lock, DataStore ms since the watch began (undefined: unknown), heartbeat stale, steps held]
		const held: Array<[string, Lock, number | undefined, boolean, boolean]> = [
			["a long-period holder quiet for less than its period: the steps wait", LONG, 100_000, false, true],
			["its period and 10 s of quiet: the steps may take it", LONG, 310_000, false, false],
			["the DataStore's time unknown: wait", LONG, undefined, false, true],
			["its heartbeat claimed and stale: the steps may take it", BEAT, 0, true, false],
			["its heartbeat claimed, not stale: wait", BEAT, 100_000, false, true],
			["the default period: the original's steps, as before", SHORT, 0, false, false],
			[
				"a long-period holder that cannot hear (off): the steps wait",
				lock(["other", "off", 300]),
				100_000,
				false,
				true,
			],
			[
				"off, its period and 10 s of quiet: the steps may take it",
				lock(["other", "off", 300]),
				310_000,
				false,
				false,
			],
			["an original holder: the original's steps", NONE, 0, false, false],
		];
		for (const [name, meta, quiet, stale, expected] of held) {
			it(`steps: ${name}`, () => {
				const watch = watchHolder(undefined, meta, T0);
				const storeNow = quiet === undefined ? undefined : T0 + quiet;
				expect(stepStealHeld(watch, meta, storeNow, stale)).to.equal(expected);
			});
		}
		// A heartbeat seen advancing within HeartbeatStale: the holder is alive, whatever the other evidence says.
		const freshCases: Array<[string, Lock, number, boolean, boolean]> = [
			// [name, lock, DataStore ms of quiet, early steal, steps held]
			[
				"claimed, fresh, the DataStore rule's 310 s passed: neither early nor by the steps",
				BEAT,
				310_000,
				false,
				true,
			],
			[
				"claimed, fresh, the default period's 40 s passed: neither",
				lock(["other", "on", 30, 1]),
				40_000,
				false,
				true,
			],
			["not claimed: a fresh reading of another job counts for nothing", LONG, 310_000, true, false],
		];
		for (const [name, meta, quiet, early, held] of freshCases) {
			it(`fresh heartbeat: ${name}`, () => {
				const watch = watchHolder(undefined, meta, T0);
				expect(earlyStealDue(watch, meta, "silent", T0 + quiet, false, true)).to.equal(early);
				expect(stepStealHeld(watch, meta, T0 + quiet, false, true)).to.equal(held);
			});
		}
		it("decideWrite: steps run out, but held, keep the lock as it is", () => {
			expect(decideWrite(STEAL, holds(OTHER, ME), { ...ROUND, holdSteal: true })).to.equal("keep");
			expect(decideWrite(STEAL, holds(OTHER, ME), { ...ROUND, holdSteal: false })).to.equal("take");
			expect(decideWrite(TAKEOVER, holds(OTHER), { ...ROUND, holdSteal: true })).to.equal("take");
		});
	});

	describe("shouldAskHolder: when the holder is asked over MessagingService", () => {
		const cases: Array<[string, LockState, Holds, boolean, boolean]> = [
			["a ForceLoad against a live lock: ask", WAIT0, holds(OTHER, ME), false, true],
			["once per load", WAIT0, holds(OTHER, ME), true, false],
			["not for a handler function", ASK, holds(OTHER), false, false],
			["not for Steal", TAKEOVER, holds(OTHER), false, false],
			["not for a dead lock (taken at once)", WAIT0, holds(OTHER, ME, DEAD), false, false],
			["not for our own lock", WAIT0, holds(ME), false, false],
			["not for a free lock", WAIT0, holds(undefined), false, false],
			["not for a Studio holder (no job id)", WAIT0, holds([0, ""], ME), false, false],
		];
		for (const [name, state, meta, asked, expected] of cases) {
			it(name, () => expect(shouldAskHolder(state, meta!, ME, asked, NOW)).to.equal(expected));
		}
	});

	describe("roundSpacing: seconds between ForceLoad rounds", () => {
		const cases: Array<[string, LockState, Pick<StoredMetaData, "ActiveSession" | "HandOff">, number]> = [
			["against a holder that claims no listener: the original's 7 s", WAIT0, { ActiveSession: OTHER }, 7],
			["the request round too", REQUEST, { ActiveSession: OTHER }, 7],
			[
				"against a listening holder: the write queue's cooldown alone",
				WAIT0,
				{ ActiveSession: OTHER, HandOff: ["other", "on"] },
				0,
			],
			[
				"against a stale marker of another job: 7 s",
				WAIT0,
				{ ActiveSession: OTHER, HandOff: ["third", "on"] },
				7,
			],
			["not ForceLoad: none", TAKEOVER, { ActiveSession: OTHER }, 0],
			["a free lock: none", WAIT0, { ActiveSession: undefined }, 0],
		];
		for (const [name, state, meta, expected] of cases) {
			it(name, () => expect(roundSpacing(state, meta)).to.equal(expected));
		}
	});

	describe("handOverTo: whether a release hands the lock to the requester", () => {
		const grant = (job: string, loadCount: number, heardAt: number): HandOffGrant => ({
			job,
			loadCount,
			heardAt,
			listening: true,
		});
		const cases: Array<[string, SessionTag | undefined, HandOffGrant | undefined, boolean]> = [
			["the requester asked for this session and spoke 2 s ago: hand over", OTHER, grant("other", 5, 98), true],
			["its last word is 3 s old (it may be gone): free the lock instead", OTHER, grant("other", 5, 97), false],
			["it asked about another session (a late message): free", OTHER, grant("other", 4, 99.5), false],
			[
				"ForceLoadSession names another server than the one that asked: free",
				THIRD,
				grant("other", 5, 99.5),
				false,
			],
			["nobody asked over MessagingService (an original requester): free", OTHER, undefined, false],
			["no requester at all (a plain release): free", undefined, grant("other", 5, 99.5), false],
		];
		for (const [name, forceLoad, g, expected] of cases) {
			it(name, () => expect(handOverTo(forceLoad, g, 5, 100)).to.equal(expected));
		}
	});

	describe("answerStep: the handler function's answers", () => {
		const cases: Array<[unknown, string]> = [
			["Repeat", "retry ask after 15"],
			["Cancel", "cancel"],
			["ForceLoad", "retry request after 0"],
			["Steal", "retry takeover after 0"],
		];
		for (const [answer, expected] of cases) {
			it(`${answer}`, () => {
				expect(describeStep(answerStep(answer))).to.equal(expected);
			});
		}

		it("errors on any other answer, naming it", () => {
			expectError(() => answerStep("Maybe"), 'notReleasedHandler returned Maybe; expected "Repeat"');
		});
	});
};
