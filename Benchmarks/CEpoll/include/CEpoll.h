// Makes <sys/epoll.h> visible to Swift, which Glibc's module map leaves out.
#pragma once
#include <sys/epoll.h>
