export = () => {
	it("runs a spec", () => {
		expect(1 + 1).to.equal(2);
	});
	it("waits in virtual time", () => {
		const t0 = os.clock();
		task.wait(10);
		expect(os.clock() - t0).to.be.near(10, 1 / 60);
	});
};
