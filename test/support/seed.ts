import fc from 'fast-check';

// fast-check properties take their seed from jest's (random per run unless `--seed` is given),
// so a run that failed can be repeated with the seed jest or `npm run test:soak` printed.
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: jest.getSeed() });
