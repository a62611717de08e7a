/**
 * The session lock's decisions, table by table, without servers or a DataStore: what a round writes given what the
 * key holds, and what the load does next given what the write left.
 */
import {
	answerStep,
	applyWrite,
	autoSaveRetryDelay,
	decideWrite,
	earlyStealDue,
	handedMarker,
	handOverTo,
	heartbeatFenceDue,
	heartbeatSelfEndDue,
	initialLockState,
	lockMarker,
	lockUpkeep,
	nextStep,
	observeHeartbeat,
	readMarker,
	roundSpacing,
	shouldAskHolder,
	watchHolder,
	type Advert,
	type HandOffGrant,
	type HeartbeatReading,
	type HeartbeatWatch,
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
			expect(meta.HandOff![1]).to.equal("off");
			applyWrite(meta, "take", ME, NOW, { listening: true, period: 30, heartbeat: 0 });
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

	describe("lockMarker, handedMarker and readMarker: what a lock says about its holder", () => {
		const advert = (listening: boolean, period: number, heartbeat: number): Advert => ({
			listening,
			period,
			heartbeat,
		});
		const cases: Array<[string, Advert, string]> = [
			["a verified listener, no heartbeat: on, the period", advert(true, 30, 0), "me,on,30"],
			["no verified listener, no heartbeat: off, the period", advert(false, 300, 0), "me,off,300"],
			["a heartbeat claims its counter, listening or not", advert(false, 1200, 42), "me,off,1200,42"],
			["a listener and a heartbeat", advert(true, 30, 7), "me,on,30,7"],
		];
		for (const [name, given, expected] of cases) {
			it(name, () => {
				const written = lockMarker(ME, given);
				expect((written as defined[]).join(",")).to.equal(expected);
				expect(readMarker({ ActiveSession: ME, HandOff: written }).heartbeat).to.equal(given.heartbeat);
			});
		}
		it("a handed lock claims the requester's heartbeat as its request gave it", () => {
			const grant: HandOffGrant = { job: "other", loadCount: 1, heardAt: 0, heartbeat: 9, period: 300 };
			expect((handedMarker(grant) as defined[]).join(",")).to.equal("other,handed,300,9");
			expect((handedMarker({ ...grant, heartbeat: 0 }) as defined[]).join(",")).to.equal("other,handed,300");
			expect(readMarker({ ActiveSession: OTHER, HandOff: handedMarker(grant) }).heartbeat).to.equal(9);
		});
		const reads: Array<[string, SessionTag | undefined, unknown, boolean, number]> = [
			["no marker (an original holder): not its own, no claim", OTHER, undefined, false, 0],
			["another job's marker (left by an earlier holder): nothing", OTHER, ["third", "on", 30, 5], false, 0],
			["a free lock: nothing", undefined, ["other", "on", 30, 5], false, 0],
			["its own marker without a claim", OTHER, ["other", "off", 300], true, 0],
			["a claim that is not a positive whole number: none", OTHER, ["other", "on", 30, 1.5], true, 0],
			["a negative claim: none", OTHER, ["other", "on", 30, -3], true, 0],
			["a claim of another type: none", OTHER, ["other", "on", 30, true], true, 0],
			["a marker that is not a table: nothing", OTHER, "other", false, 0],
		];
		for (const [name, active, marker, own, heartbeat] of reads) {
			it(`reads ${name}`, () => {
				const read = readMarker({ ActiveSession: active, HandOff: marker as StoredMetaData["HandOff"] });
				expect(read.own).to.equal(own);
				expect(read.heartbeat).to.equal(heartbeat);
			});
		}
	});

	describe("watchHolder, observeHeartbeat and earlyStealDue: when a lock is taken before the steps run out", () => {
		const lock = (counter: number | undefined, lastUpdate = FRESH, loadCount = 3, holder = OTHER) => ({
			ActiveSession: holder,
			SessionLoadCount: loadCount,
			LastUpdate: lastUpdate,
			HandOff: (counter === undefined
				? [holder[1], "on", 300]
				: [holder[1], "on", 300, counter]) as StoredMetaData["HandOff"],
		});
		const ok = (value: number | undefined): HeartbeatReading => ({ ok: true, value });
		const failed: HeartbeatReading = { ok: false };
		// Readings: [sent at, answered at, reading], on this server's clock; the watch starts at 10.
		const beatsOf = (readings: Array<[number, number, HeartbeatReading]>) => {
			let beats: HeartbeatWatch | undefined;
			for (const [sent, answered, reading] of readings) beats = observeHeartbeat(beats, reading, sent, answered);
			return beats;
		};
		const CLAIM = lock(5);
		type Lock = ReturnType<typeof lock>;
		// [name, lock watched, lock now, readings, expected]
		const cases: Array<[string, Lock, Lock, Array<[number, number, HeartbeatReading]>, boolean]> = [
			[
				"claimed, the same counter answered at 10.2 and asked again at 24.2: take",
				CLAIM,
				CLAIM,
				[
					[10, 10.2, ok(5)],
					[24.2, 24.4, ok(5)],
				],
				true,
			],
			[
				"13.9 s from the first answer to the last request: not yet",
				CLAIM,
				CLAIM,
				[
					[10, 10.2, ok(5)],
					[24.1, 24.3, ok(5)],
				],
				false,
			],
			[
				"the counter advanced: not",
				CLAIM,
				CLAIM,
				[
					[10, 10.2, ok(5)],
					[17, 17.2, ok(6)],
					[30, 30.2, ok(6)],
				],
				false,
			],
			[
				"an absent entry twice 14 s apart (expired): take",
				CLAIM,
				CLAIM,
				[
					[10, 10.1, ok(undefined)],
					[24.1, 24.2, ok(undefined)],
				],
				true,
			],
			[
				"only failed reads after the first: never",
				CLAIM,
				CLAIM,
				[
					[10, 10.1, ok(5)],
					[20, 20.1, failed],
					[40, 40.1, failed],
				],
				false,
			],
			[
				"failed reads between two equal readings: take",
				CLAIM,
				CLAIM,
				[
					[10, 10.1, ok(5)],
					[15, 15.1, failed],
					[25, 25.1, ok(5)],
				],
				true,
			],
			[
				"a reading answered before the watch began counts for nothing",
				CLAIM,
				CLAIM,
				[
					[9, 9.5, ok(5)],
					[23.6, 23.8, ok(5)],
				],
				false,
			],
			[
				"no claim (fenced, or never written): never early, whatever the heartbeat",
				lock(undefined),
				lock(undefined),
				[
					[10, 10.1, ok(5)],
					[60, 60.1, ok(5)],
				],
				false,
			],
			[
				"the holder wrote since (LastUpdate changed): not",
				CLAIM,
				lock(5, FRESH + 1),
				[
					[10, 10.1, ok(5)],
					[60, 60.1, ok(5)],
				],
				false,
			],
			[
				"the holder fenced and claimed again within the same second (another counter): not",
				CLAIM,
				lock(8),
				[
					[10, 10.1, ok(5)],
					[60, 60.1, ok(5)],
				],
				false,
			],
			[
				"another session of the holder: not",
				CLAIM,
				lock(5, FRESH, 4),
				[
					[10, 10.1, ok(5)],
					[60, 60.1, ok(5)],
				],
				false,
			],
			[
				"another holder: not",
				CLAIM,
				lock(5, FRESH, 3, THIRD),
				[
					[10, 10.1, ok(5)],
					[60, 60.1, ok(5)],
				],
				false,
			],
		];
		for (const [name, watched, now, readings, expected] of cases) {
			it(name, () => {
				const watch = watchHolder(undefined, watched, 10);
				expect(earlyStealDue(watch, now, beatsOf(readings))).to.equal(expected);
			});
		}

		it("a holder's clock is never compared: a LastUpdate hours away changes nothing", () => {
			for (const lastUpdate of [NOW - 7200, NOW + 7200]) {
				const meta = lock(5, lastUpdate);
				const beats = beatsOf([
					[10, 10.1, ok(5)],
					[24.1, 24.2, ok(5)],
				]);
				expect(earlyStealDue(watchHolder(undefined, meta, 10), meta, beats)).to.equal(true);
			}
		});

		it("the watch keeps its start while the lock stays the same, and restarts when the holder writes", () => {
			const first = watchHolder(undefined, CLAIM, 10)!;
			expect(watchHolder(first, CLAIM, 40)).to.equal(first);
			const rewritten = watchHolder(first, lock(6, FRESH + 30), 40)!;
			expect(rewritten.since).to.equal(40);
			expect(watchHolder(rewritten, lock(undefined, FRESH + 30), 41)!.since).to.equal(41);
			expect(watchHolder(first, { ActiveSession: undefined, SessionLoadCount: 3 }, 50)).to.equal(undefined);
		});

		it("decideWrite takes the lock early only while waiting on our own request", () => {
			expect(decideWrite(WAIT0, holds(OTHER, ME), { ...ROUND, earlySteal: true })).to.equal("take");
			expect(decideWrite(WAIT0, holds(OTHER, THIRD), { ...ROUND, earlySteal: true })).to.equal("keep");
			expect(decideWrite(ASK, holds(OTHER), { ...ROUND, earlySteal: true })).to.equal("keep");
			expect(decideWrite(WAIT0, holds(OTHER, ME), { ...ROUND, earlySteal: false })).to.equal("keep");
		});
	});

	describe("the holder's side: fence, self-end and lock upkeep", () => {
		const fence: Array<[string, boolean, number | undefined, number, boolean, boolean]> = [
			// [name, claimed, heartbeat last written, now, fence due, session ends]
			["a claim, heartbeat written 3.9 s ago: nothing yet", true, 100, 103.9, false, false],
			["a claim, 4 s ago: fence", true, 100, 104, true, false],
			["a claim, 10 s ago (the fence has not landed): the session ends", true, 100, 110, true, true],
			["a claim and never written: both", true, undefined, 0, true, true],
			["no claim: never", false, undefined, 1000, false, false],
		];
		for (const [name, claimed, lastWrite, now, due, ends] of fence) {
			it(name, () => {
				expect(heartbeatFenceDue(claimed, lastWrite, now)).to.equal(due);
				expect(heartbeatSelfEndDue(claimed, lastWrite, now)).to.equal(ends);
			});
		}
		it("a session with a standing claim ends before any requester can judge its heartbeat stale", () => {
			// The heartbeat's last write began at lastWrite at the earliest; a requester needs HeartbeatStale seconds
			// after that, and the upkeep checks every 0.5 s.
			expect(Settings.HeartbeatSelfEnd + 1 < Settings.HeartbeatStale).to.equal(true);
			expect(Settings.HeartbeatFence + Settings.WriteCooldown <= Settings.HeartbeatSelfEnd).to.equal(true);
		});
		const upkeep: Array<[string, number, number, boolean, string]> = [
			// [name, seconds since confirmed, seconds since written, confirmation under way, decision]
			["confirmed 31.9 s ago: nothing", 31.9, 31.9, false, "none"],
			["32 s: read the lock", 32, 32, false, "confirm"],
			["32 s, a read already under way: nothing", 32, 32, true, "none"],
			["54.9 s: still reading", 54.9, 54.9, false, "confirm"],
			["55 s unconfirmed: the session ends", 55, 55, true, "end"],
			["confirmed by reads, but not written for 25 minutes: the session ends", 5, 25 * 60, false, "end"],
			["written 24 minutes ago, confirmed just now: nothing", 1, 24 * 60, false, "none"],
		];
		for (const [name, confirmed, written, busy, expected] of upkeep) {
			it(`lockUpkeep: ${name}`, () => {
				expect(lockUpkeep(1000 - confirmed, 1000 - written, busy, 1000)).to.equal(expected);
			});
		}
		it("the lease ends a session before any ForceLoad can take it, and well inside the 30-minute rule", () => {
			// 9 rounds after the request, each OriginalStepSeconds after the last: the steal's earliest write.
			const earliestSteal = (Settings.ForceLoadMaxSteps + 1) * Settings.OriginalStepSeconds;
			expect(earliestSteal).to.equal(63);
			expect(Settings.LockLease + 5 <= earliestSteal).to.equal(true);
			expect(Settings.LockConfirmSeconds + 4 * Settings.LockConfirmRetry < Settings.LockLease).to.equal(true);
			expect(Settings.LockWriteLapse + 5 * 60 <= Settings.AssumeDeadSessionLock).to.equal(true);
			expect(Settings.MaxAutoSavePeriod + 4 * Settings.AutoSaveRetryMax < Settings.LockWriteLapse).to.equal(true);
		});
		it("autoSaveRetryDelay: 6 s, doubling, at most 30 s", () => {
			expect([1, 2, 3, 4, 10].map(autoSaveRetryDelay).join(",")).to.equal("6,12,24,30,30");
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
			["against an original holder: the original's 7 s", WAIT0, { ActiveSession: OTHER }, 7],
			["the request round too", REQUEST, { ActiveSession: OTHER }, 7],
			[
				"against a holder of ours, listening, with a heartbeat: the same 7 s",
				WAIT0,
				{ ActiveSession: OTHER, HandOff: ["other", "on", 30, 4] },
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
			heartbeat: 3,
			period: 30,
		});
		const cases: Array<[string, SessionTag | undefined, HandOffGrant | undefined, boolean]> = [
			["the requester asked for this session and spoke 1 s ago: hand over", OTHER, grant("other", 5, 99), true],
			[
				"its last word is 1.1 s old (it may have crashed or given up): free the lock instead",
				OTHER,
				grant("other", 5, 98.9),
				false,
			],
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
		it("a waiting requester says so more than twice within the window", () => {
			expect(Settings.HandOffWaitPing * 2 < Settings.HandOffGrantFresh).to.equal(true);
		});
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
