#ifndef CEWSTSAN_H
#define CEWSTSAN_H

// ThreadSanitizer's annotations for a lock it cannot see. Swift's Synchronization.Mutex on Linux
// hands a contended lock over through a priority-inheritance futex, which ThreadSanitizer does not
// intercept, so it reports the accesses each holder makes as races with the previous holder's
// (scripts/sanitizers/tsan-mutex-handoff.swift). Telling it "acquired" after locking and
// "released" before unlocking gives it the order the lock really imposes.
//
// The runtime functions exist only in a binary built with -sanitize=thread: they are declared weak,
// so elsewhere they are null and these calls do nothing.

extern void __tsan_acquire(void *addr) __attribute__((weak));
extern void __tsan_release(void *addr) __attribute__((weak));

static inline void cewstsan_acquire(const void *addr) {
    if (__tsan_acquire) __tsan_acquire((void *)addr);
}

static inline void cewstsan_release(const void *addr) {
    if (__tsan_release) __tsan_release((void *)addr);
}

#endif
