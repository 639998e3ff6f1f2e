import { scenario } from '../scenario';

/** A scenario this machine cannot run, for scenario.test.ts: jest must count it as skipped. */
scenario(
  {
    id: '99-unavailable',
    title: 'needs a tool this machine lacks',
    guarantees: [],
    ci: true,
    noLossPromised: false,
    unavailable: () => 'the fixture tool is not installed',
  },
  () => {
    it('would run', () => {
      throw new Error('a scenario that cannot run here must not run');
    });
  },
);
