export { type FaultProxy, type FaultProxyTarget, startFaultProxy } from './fault-proxy.js';
