import { Logger } from '@nestjs/common';
import { silentLogger } from '../../../lib';
import {
  createNestCoordinationLogger,
  withStack,
} from '../../../lib/nest/workers/agent-coordination.logger';

describe("the core's logger on Nest's Logger", () => {
  it('passes each level to the Nest logger, with the error stack on warn and error', () => {
    const nest = new Logger('Test');
    const calls = {
      debug: jest.spyOn(nest, 'debug').mockImplementation(() => undefined),
      log: jest.spyOn(nest, 'log').mockImplementation(() => undefined),
      warn: jest.spyOn(nest, 'warn').mockImplementation(() => undefined),
      error: jest.spyOn(nest, 'error').mockImplementation(() => undefined),
    };
    const logger = createNestCoordinationLogger(nest);
    const boom = new Error('boom');
    logger.debug('retried');
    logger.log('restored');
    logger.warn('dead-lettered', boom);
    logger.warn('plain');
    logger.error('failed', boom);
    logger.error('failed without error');
    expect(calls.debug).toHaveBeenCalledWith('retried');
    expect(calls.log).toHaveBeenCalledWith('restored');
    expect(calls.warn.mock.calls).toEqual([[`dead-lettered\n${boom.stack}`], ['plain']]);
    expect(calls.error.mock.calls).toEqual([
      ['failed', boom.stack],
      ['failed without error', undefined],
    ]);
  });

  it('uses the module context by default', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      createNestCoordinationLogger().warn('x');
      expect(warn.mock.contexts[0]).toMatchObject({ context: 'AgentCoordination' });
    } finally {
      warn.mockRestore();
    }
  });

  it('adds a stack only for errors that have one', () => {
    const bare = new Error('bare');
    bare.stack = undefined;
    expect(withStack('m', bare)).toBe('m');
    expect(withStack('m', 'a string')).toBe('m');
    expect(withStack('m', new Error('e'))).toMatch(/^m\nError: e\n {4}at /);
  });

  it('the core stays silent by default', () => {
    const outputs = [
      jest.spyOn(process.stderr, 'write'),
      jest.spyOn(process.stdout, 'write'),
      jest.spyOn(process, 'emitWarning'),
      ...(['debug', 'log', 'info', 'warn', 'error'] as const).map((level) =>
        jest.spyOn(console, level),
      ),
    ];
    try {
      silentLogger.debug('d');
      silentLogger.log('l');
      silentLogger.warn('w', new Error('w'));
      silentLogger.error('e', new Error('e'));
      for (const output of outputs) expect(output).not.toHaveBeenCalled();
    } finally {
      for (const output of outputs) output.mockRestore();
    }
  });
});
