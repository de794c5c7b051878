// A clang pass plugin for the builds with native WebAssembly exceptions (Emscripten 3.1.69,
// clang 19): it keeps an exception handler from being an entry of an irreducible cycle, which
// clang's WebAssembly backend mistranslates.
//
// Why: a coroutine's resume function enters a loop both at its header and at the point after
// each co_await (the resume index dispatch jumps there). When a call before the suspension and a
// throw after it unwind to the same handler (`try { f(); co_await x; throw e; } catch (...)` in a
// loop), that handler is reached from inside the loop and from outside it: the cycle has an EH pad
// among its entries. The backend's pass that makes cycles reducible routes normal edges through a
// dispatch block but cannot route an unwind edge, and the wasm it emits throws past the catch
// (llvm/llvm-project#208409, open; docs/wasm.md, "A clang 19 defect").
//
// What it does: for each cycle with more than one entry, one of them an EH pad E that is also
// reached by unwind edges from outside the cycle, it clones E's funclet (E, its handlers, the
// blocks and nested funclets inside them, up to where the funclet is left: a catchret of one of
// E's handlers, or an unwind edge out) and points the unwind edges from outside the cycle at the
// clone. The clone leaves by the same edges as E's funclet: into the cycle by a catchret (a normal
// edge, which the backend handles) or onward by unwinding. The program's meaning is unchanged:
// both copies do the same thing, each for its own predecessors; values made in the funclet and
// used after it get a phi (SSAUpdater). It runs last in the optimisation pipeline (at the end of
// the pre-link pipeline in an -flto compile, where link-time passes may still remake the shape).
#include <cstddef>

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CycleAnalysis.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/SSAUpdater.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace {

// The pad a pad belongs to: a catchpad's catchswitch, another pad's parent pad.
Value* parent_of(Instruction* pad) {
    if (auto* cp = dyn_cast<CatchPadInst>(pad)) return cp->getCatchSwitch();
    if (auto* cs = dyn_cast<CatchSwitchInst>(pad)) return cs->getParentPad();
    return cast<CleanupPadInst>(pad)->getParentPad();
}

// The blocks of the funclet that E heads: everything reachable from E without leaving it, by a
// catchret of one of E's own handlers or by an unwind edge to a pad outside the funclet (a
// cleanupret's too). A catchret of a try nested inside E's handler (`catch (...) { try { throw; }
// catch (int) {} ... }`) returns into E's funclet, so it is followed.
SetVector<BasicBlock*> funclet_blocks(BasicBlock* e) {
    SetVector<BasicBlock*> region;
    region.insert(e);
    for (size_t i = 0; i < region.size(); ++i) {
        BasicBlock* b = region[i];
        if (auto* ret = dyn_cast<CatchReturnInst>(b->getTerminator()))
            if (ret->getCatchPad()->getCatchSwitch() == e->getFirstNonPHI()) continue;
        for (BasicBlock* s : successors(b)) {
            if (s->isEHPad()) {
                auto* parent = dyn_cast<Instruction>(parent_of(s->getFirstNonPHI()));
                if (!parent || !region.contains(parent->getParent())) continue;
            }
            region.insert(s);
        }
    }
    return region;
}

// Clones E's funclet for the predecessors `outside` and points their unwind edges at the clone.
void split_pad(BasicBlock* e, const SmallPtrSetImpl<BasicBlock*>& outside) {
    Function& f = *e->getParent();
    SetVector<BasicBlock*> region = funclet_blocks(e);
    ValueToValueMapTy vmap;
    SmallVector<BasicBlock*, 16> clones;
    for (BasicBlock* b : region) {
        BasicBlock* c = CloneBasicBlock(b, vmap, ".ehsplit", &f);
        vmap[b] = c;
        clones.push_back(c);
    }
    remapInstructionsInBlocks(clones, vmap);
    auto* e2 = cast<BasicBlock>(vmap[e]);

    // The edges into E: those from outside now go to the clone.
    for (BasicBlock* p : outside) p->getTerminator()->replaceSuccessorWith(e, e2);
    for (PHINode& phi : e->phis())
        for (unsigned i = phi.getNumIncomingValues(); i-- > 0;)
            if (outside.contains(phi.getIncomingBlock(i))) phi.removeIncomingValue(i, false);
    for (PHINode& phi : e2->phis())
        for (unsigned i = phi.getNumIncomingValues(); i-- > 0;)
            if (!outside.contains(phi.getIncomingBlock(i))) phi.removeIncomingValue(i, false);

    // The edges out of the funclet: each successor's phis take the clone's values too.
    SmallPtrSet<BasicBlock*, 8> exits;
    for (BasicBlock* b : region)
        for (BasicBlock* s : successors(b))
            if (!region.contains(s)) exits.insert(s);
    auto mapped = [&](Value* v) {
        auto it = vmap.find(v);
        return it == vmap.end() ? v : static_cast<Value*>(it->second);
    };
    for (BasicBlock* s : exits)
        for (PHINode& phi : s->phis()) {
            unsigned n = phi.getNumIncomingValues();
            for (unsigned i = 0; i < n; ++i)
                if (region.contains(phi.getIncomingBlock(i)))
                    phi.addIncoming(mapped(phi.getIncomingValue(i)),
                                    cast<BasicBlock>(vmap[phi.getIncomingBlock(i)]));
        }

    // Values made in the funclet and used past it now have two definitions.
    SmallPtrSet<BasicBlock*, 32> both(region.begin(), region.end());
    both.insert(clones.begin(), clones.end());
    for (BasicBlock* b : region)
        for (Instruction& inst : *b) {
            SmallVector<Use*, 8> uses;
            for (Use& u : inst.uses()) {
                auto* user = cast<Instruction>(u.getUser());
                if (auto* phi = dyn_cast<PHINode>(user)) {
                    if (both.contains(phi->getIncomingBlock(u))) continue;
                } else if (both.contains(user->getParent())) {
                    continue;
                }
                uses.push_back(&u);
            }
            if (uses.empty()) continue;
            SSAUpdater ssa;
            ssa.Initialize(inst.getType(), inst.getName());
            ssa.AddAvailableValue(b, &inst);
            ssa.AddAvailableValue(cast<BasicBlock>(vmap[b]), cast<Instruction>(vmap[&inst]));
            for (Use* u : uses) ssa.RewriteUse(*u);
        }
}

// Finds one cycle with more than one entry, one of them an EH pad also reached from outside the
// cycle, and splits that pad. Returns whether it changed the function.
bool split_one(Function& f) {
    CycleInfo cycles;
    cycles.compute(f);
    SmallVector<const Cycle*, 16> work(cycles.toplevel_begin(), cycles.toplevel_end());
    while (!work.empty()) {
        const Cycle* c = work.pop_back_val();
        for (const Cycle* child : c->children()) work.push_back(child);
        if (c->isReducible()) continue;
        for (BasicBlock* e : c->getEntries()) {
            if (!e->isEHPad()) continue;
            SmallPtrSet<BasicBlock*, 8> outside;
            for (BasicBlock* p : predecessors(e))
                if (!c->contains(p)) outside.insert(p);
            if (outside.empty()) continue;
            split_pad(e, outside);
            return true;
        }
    }
    return false;
}

struct eh_pad_entry_split : PassInfoMixin<eh_pad_entry_split> {
    PreservedAnalyses run(Function& f, FunctionAnalysisManager&) {
        if (!f.hasPersonalityFn()) return PreservedAnalyses::all();
        // Each split takes one pad off one cycle's entries (its outside edges go to a clone that
        // is not in that cycle), so this ends; cloned nested pads can need splits of their own,
        // so the count grows with the function. The guard only catches a case not foreseen, and
        // fails the compile rather than leave a catch that may be skipped.
        std::size_t guard = 64 + 8 * f.size(), splits = 0;
        while (split_one(f))
            if (++splits > guard)
                report_fatal_error("weir-eh-pad-entry-split: no end to splitting EH pads in " +
                                   f.getName());
        return splits ? PreservedAnalyses::none() : PreservedAnalyses::all();
    }
    static bool isRequired() { return true; }
};

}  // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
    return {LLVM_PLUGIN_API_VERSION, "weir-eh-pad-entry-split", "1", [](PassBuilder& pb) {
                // (OptimizationLevel), and from LLVM 20 on also the LTO phase: taken as auto.
                pb.registerOptimizerLastEPCallback([](ModulePassManager& mpm, auto...) {
                    mpm.addPass(createModuleToFunctionPassAdaptor(eh_pad_entry_split()));
                });
            }};
}
