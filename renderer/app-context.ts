// React access to the app store and the transport (one of each per window).
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from './store.ts';
import type { Transport } from './transport.ts';

export interface AppServices {
  store: StoreApi<AppState>;
  transport: Transport;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('AppContext is missing: render components inside <App>');
  return services;
}

/** Subscribes to a slice of the app state. Selectors must return stable values (see rankedGroups). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useServices().store, selector);
}
