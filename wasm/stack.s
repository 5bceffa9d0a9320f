# cs_set_stack(top): points this instance's stack pointer at a stack of its own. Every worker
# thread instantiates the module over the same shared memory, and an instance's stack pointer
# starts at the main thread's stack; C cannot write the __stack_pointer global, so this is assembly.
	.globaltype __stack_pointer, i32
	.text
	.globl cs_set_stack
	.type cs_set_stack,@function
cs_set_stack:
	.functype cs_set_stack (i32) -> ()
	local.get 0
	global.set __stack_pointer
	end_function
