export {
  CleanupReason,
  type EventActor,
  type EventOfType,
  type GarbageCollectionCompleted,
  type LifecycleEvent,
  type LifecycleEventType,
  lifecycleEventTypes,
  type OrphanKind,
  type OrphanWorkerDetected,
  TerminationReason,
  type WorkerEphemeralCleanedUp,
  type WorkerEphemeralCreated,
  type WorkerEphemeralIdle,
  type WorkerEphemeralReady,
  type WorkerEphemeralTerminated,
  type WorkerEphemeralTerminating,
} from './events.js';
export {
  createInProcessPublisher,
  type EventHandler,
  type EventIterationOptions,
  type InProcessPublisher,
  type InProcessPublisherOptions,
  type Unsubscribe,
} from './in-process-publisher.js';
export {
  combinePublishers,
  createPublisherAdapter,
  type EventPublisher,
  noopPublisher,
  type PublishErrorHandler,
  safePublish,
} from './publisher.js';
