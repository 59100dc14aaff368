// The I/O thread of a machine whose virtio queues are notified through eventfds
// (KVM_IOEVENTFD on QueueNotify): KVM signals the eventfd inside the guest's write, without
// an exit to userspace, and this thread wakes and serves the queue (docs/virtio.md).
#pragma once

#include "kvm/fd.hpp"
#include "support/result.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace vmm {

class NotifyThread {
  public:
    struct Source {
        Fd eventfd;                  // signalled by KVM on the guest's notification
        std::function<void()> serve; // runs on this thread, once per wake-up
    };

    // Starts the thread with every signal but SIGSYS blocked, so that the kick timer and
    // SIGINT/SIGTERM keep reaching the vCPU thread (machine.cpp), and returns once it runs.
    static Result<std::unique_ptr<NotifyThread>> start(std::vector<Source> sources);
    // Stops the thread and waits for it.
    ~NotifyThread();
    NotifyThread(const NotifyThread&) = delete;
    NotifyThread& operator=(const NotifyThread&) = delete;

    // No notification waits to be served and none is being served: nothing this thread does
    // can raise an interrupt until the guest notifies again (the halt check).
    bool idle() const;

  private:
    NotifyThread(std::vector<Source> sources, Fd stop);
    void loop();

    std::vector<Source> sources_;
    Fd stop_;
    std::atomic<bool> started_{false};
    std::atomic<bool> busy_{false};
    std::thread thread_;
};

} // namespace vmm
