/*
 * hv_compiler.h - portability macros for the Hyper-V TLFS definition headers.
 *
 * Part of wisp's freestanding Hyper-V header set, written from the
 * Hypervisor Top Level Functional Specification (TLFS) v6.0b.  This file
 * holds no TLFS content: only what lets the other headers compile
 * unchanged as C99, C11 and C++ with GCC, Clang, MinGW and MSVC.
 *
 * Only <stddef.h> and <stdint.h> are used, here and in every other
 * header of the set.
 */
#ifndef HYPERV_HV_COMPILER_H
#define HYPERV_HV_COMPILER_H

#include <stddef.h>
#include <stdint.h>

/*
 * HV_INLINE: "inline" for the small static helper functions.
 * C99 and C++ have the keyword; MSVC's C compiler spells it __inline.
 */
#if defined(__cplusplus)
#define HV_INLINE inline
#elif defined(_MSC_VER)
#define HV_INLINE __inline
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define HV_INLINE inline
#elif defined(__GNUC__)
#define HV_INLINE __inline__
#else
#define HV_INLINE
#endif

/*
 * HV_STATIC_ASSERT(condition, tag): a compile-time assertion usable at file
 * scope.  "tag" must be an identifier that is unique among all assertions
 * of a translation unit (it names the fallback typedef).
 *
 *  - C++11 and later (and MSVC 2010+ in C++ mode): static_assert
 *  - C11 and later: _Static_assert
 *  - otherwise (C99, C++98): a typedef of a char array whose size is -1
 *    when the condition is false, which every C compiler rejects.
 */
#define HV_CONCAT_INNER_(a, b) a##b
#define HV_CONCAT_(a, b) HV_CONCAT_INNER_(a, b)

#if defined(__cplusplus) &&                                                   \
    (__cplusplus >= 201103L || (defined(_MSC_VER) && _MSC_VER >= 1600))
#define HV_STATIC_ASSERT(cond, tag) static_assert((cond), #tag)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) &&                   \
    __STDC_VERSION__ >= 201112L
#define HV_STATIC_ASSERT(cond, tag) _Static_assert((cond), #tag)
#else
#define HV_STATIC_ASSERT(cond, tag)                                           \
    typedef char HV_CONCAT_(hv_static_assert_, tag)[(cond) ? 1 : -1]
#endif

/* Size and field-offset assertions for ABI structures. */
#define HV_ASSERT_SIZE(type, size)                                            \
    HV_STATIC_ASSERT(sizeof(type) == (size), type##_size)
#define HV_ASSERT_OFFSET(type, member, offset)                                \
    HV_STATIC_ASSERT(offsetof(type, member) == (offset),                      \
                     type##_##member##_offset)

/*
 * Structure packing.
 *
 * The TLFS lays structures out with natural alignment (section 1.9).  Every
 * structure in this header set writes its padding out as named reserved
 * fields, so each one already has the TLFS layout on every ABI, including
 * i386 where uint64_t is only 4-byte aligned inside structures; none of
 * them needs packing, and the size/offset assertions beside each one prove
 * it.  HV_PACK_PUSH_1 / HV_PACK_POP are provided for code built on these
 * headers that needs a byte-packed layout (for example an emulated device
 * register block); they use the #pragma pack understood by MSVC, GCC,
 * Clang and MinGW.
 */
#if defined(_MSC_VER) && !defined(__clang__)
#define HV_PACK_PUSH_1 __pragma(pack(push, 1))
#define HV_PACK_POP __pragma(pack(pop))
#else
#define HV_PACK_PUSH_1 _Pragma("pack(push, 1)")
#define HV_PACK_POP _Pragma("pack(pop)")
#endif

/*
 * HV_CAST(type, expr): a conversion that is a static_cast in C++, so that
 * the headers stay clean under -Wold-style-cast.
 * HV_MEMBER_SIZE(type, member): sizeof a structure member.
 */
#if defined(__cplusplus)
#define HV_CAST(type, expr) (static_cast<type>(expr))
#define HV_MEMBER_SIZE(type, member) (sizeof(type::member))
#else
#define HV_CAST(type, expr) ((type)(expr))
#define HV_MEMBER_SIZE(type, member) (sizeof(((type *)0)->member))
#endif

/* HV_NULL: nullptr in C++11 and later, NULL otherwise. */
#if defined(__cplusplus) &&                                                   \
    (__cplusplus >= 201103L || (defined(_MSC_VER) && _MSC_VER >= 1600))
#define HV_NULL nullptr
#else
#define HV_NULL NULL
#endif

/*
 * 64-bit constants: ULL literals are C99/C++11 and MSVC; the macro keeps
 * the intent visible.
 */
#define HV_UINT64_C(x) (x##ULL)
#define HV_BIT64(n) (HV_UINT64_C(1) << (n))
#define HV_BIT32(n) (HV_CAST(uint32_t, 1) << (n))

#endif /* HYPERV_HV_COMPILER_H */
