// Registers the fanout:// scheme: privileged before the app is ready (standard + secure: its pages are a
// secure context with their own origins; supportFetchAPI + corsEnabled: fetch and module scripts work;
// stream: responses are streamed, so a multi-GB weights file is never read whole), then handled by
// electron/protocol-handler.ts once the app is ready.
import { protocol } from 'electron';
import { resolveRequest, toResponse, type ProtocolContext } from './protocol-handler.ts';
import { SCHEME } from './shared.ts';

/** Must run before app 'ready'. */
export function registerSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true, codeCache: true },
    },
  ]);
}

/** Serves fanout:// on the default session. */
export function handleScheme(ctx: ProtocolContext, log: (line: string) => void): void {
  protocol.handle(SCHEME, async (request) => {
    try {
      return toResponse(await resolveRequest(request, ctx));
    } catch (e) {
      log(`protocol: ${request.method} ${request.url}: ${(e as Error).message}`);
      return new Response('Internal error\n', { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': ctx.csp } });
    }
  });
}
