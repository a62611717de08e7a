import Signal from "@rbxts/signal";
import { Settings } from "./Constants";

/**
 * Counts DataStore issues and drives the critical state: it starts when IssueCountForCriticalState issues happen
 * within IssueLast seconds, and ends after CriticalStateLast seconds without any.
 * @internal
 */
export class IssueTracker {
	public critical = false;
	private issueTimes: number[] = [];
	private lastIssue = -math.huge;
	private checkScheduled = false;

	public constructor(private readonly criticalStateSignal: Signal<(isCriticalState: boolean) => void>) {}

	public record() {
		const now = os.clock();
		this.lastIssue = now;
		this.issueTimes.push(now);
		this.issueTimes = this.issueTimes.filter((t) => now - t <= Settings.IssueLast);
		if (!this.critical && this.issueTimes.size() >= Settings.IssueCountForCriticalState) {
			this.critical = true;
			warn("[ProfileService]: Entered critical state");
			this.criticalStateSignal.Fire(true);
			this.scheduleEndCheck();
		}
	}

	private scheduleEndCheck() {
		if (this.checkScheduled) return;
		this.checkScheduled = true;
		task.delay(this.lastIssue + Settings.CriticalStateLast - os.clock(), () => {
			this.checkScheduled = false;
			if (!this.critical) return;
			if (os.clock() - this.lastIssue >= Settings.CriticalStateLast) {
				this.critical = false;
				warn("[ProfileService]: Critical state ended");
				this.criticalStateSignal.Fire(false);
			} else {
				this.scheduleEndCheck();
			}
		});
	}
}
