import { Scope } from '@nestjs/common';
import { MetadataScanner, Reflector, type DiscoveryService } from '@nestjs/core';
import type { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { Agent, AgentBootstrapError, OnAgentMessage } from '../../../lib';
import { resolveModuleOptions } from '../../../lib/nest/module/agent-coordination-options.resolver';
import { AgentExplorer } from '../../../lib/nest/discovery/agent.explorer';
import { AgentMetadataAccessor } from '../../../lib/nest/discovery/agent-metadata.accessor';

@Agent({ type: 'not-yet-created' })
class PendingAgent {
  @OnAgentMessage('event')
  handle() {}
}

class PendingStray {
  @OnAgentMessage('event')
  handle() {}
}

class PendingPlain {
  method() {}
}

/**
 * Nest 10 keeps no instance on the wrapper of a scoped provider until it is resolved; the
 * explorer then reads the class from the wrapper's metatype.
 */
function pending(metatype: unknown, extra: Partial<InstanceWrapper> = {}): InstanceWrapper {
  return new InstanceWrapper({
    token: String((metatype as { name?: string } | null)?.name ?? 'value'),
    name: 'pending',
    metatype: metatype as never,
    instance: undefined,
    isResolved: false,
    ...extra,
  });
}

function explorerOf(wrappers: InstanceWrapper[]): AgentExplorer {
  const discovery = {
    getProviders: () => wrappers,
    getControllers: () => [],
  } as unknown as DiscoveryService;
  return new AgentExplorer(
    discovery,
    new MetadataScanner(),
    new AgentMetadataAccessor(new Reflector()),
    {} as ExternalContextCreator,
    resolveModuleOptions({ connection: 'redis://127.0.0.1:6379' }),
  );
}

describe('AgentExplorer on wrappers without an instance yet', () => {
  it('rejects a scoped @Agent() found through its metatype', () => {
    const explore = () => explorerOf([pending(PendingAgent, { scope: Scope.REQUEST })]).explore();
    expect(explore).toThrow(AgentBootstrapError);
    expect(explore).toThrow(/PendingAgent must be a singleton provider/);
  });

  it('rejects a stray handler found through its metatype', () => {
    expect(() => explorerOf([pending(PendingStray, { scope: Scope.REQUEST })]).explore()).toThrow(
      /PendingStray\.handle\(\) is outside an @Agent\(\)/,
    );
  });

  it('skips factories, values, aliases and functions without a prototype', () => {
    const agents = explorerOf([
      pending(PendingStray, { inject: [] }),
      pending(null),
      pending(() => undefined),
      pending(PendingStray, { isAlias: true }),
      pending(PendingPlain, { scope: Scope.REQUEST }),
    ]).explore();
    expect(agents).toEqual([]);
  });
});
