/**
 * The session lock's decisions, table by table, without servers or a DataStore: what a round writes given what the
 * key holds, and what the load does next given what the write left.
 */
import {
	afterSilence,
	answerStep,
	applyWrite,
	decideWrite,
	initialLockState,
	nextStep,
	type LockState,
	type LockStep,
	type LockWrite,
	type RoundContext,
} from "../../src/internal/LockProtocol";
import type { SessionTag, StoredMetaData } from "../../src/internal/Payload";
import { expectError } from "../Expect";

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

	describe("afterSilence: a holder the probe found silent", () => {
		const WAIT3: LockState = { mode: "wait", steps: 3 };
		const mode = (state: LockState) => (state.mode === "wait" ? `wait ${state.steps}` : state.mode);
		const cases: Array<[string, LockState, string, number | undefined, number, string]> = [
			["its lock 40 s stale: steal", WAIT3, "other", NOW - 40, NOW, "steal"],
			["its lock 39 s stale: keep waiting", WAIT3, "other", NOW - 39, NOW, "wait 3"],
			["it saved since the probe (alive): keep waiting", WAIT3, "other", NOW - 50 + 1, NOW, "wait 3"],
			["another server holds the lock now: keep waiting", WAIT3, "third", NOW - 50, NOW, "wait 3"],
			["no LastUpdate to judge by: keep waiting", WAIT3, "other", undefined, NOW, "wait 3"],
			["not in the ForceLoad wait: unchanged", ASK, "other", NOW - 50, NOW, "ask"],
		];
		for (const [name, state, holder, lastUpdate, now, expected] of cases) {
			it(name, () => {
				const silent = {
					jobId: "other",
					lastUpdate: lastUpdate === NOW - 50 + 1 ? NOW - 50 : lastUpdate,
				};
				expect(mode(afterSilence(state, silent, holder, lastUpdate, now))).to.equal(expected);
			});
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
