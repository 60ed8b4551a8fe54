/** Names of the exported graphs' tensors, as diffusers' and Optimum's SD and SDXL exports write them. */
export const SD_TENSORS = {
  textEncoder: {
    input: 'input_ids',
    hidden: 'last_hidden_state',
    pooled: 'pooler_output',
    /** Every layer's states (`hidden_states.0` … `hidden_states.N`), exported for SDXL. */
    layerPrefix: 'hidden_states.',
  },
  /** SDXL's second encoder (CLIP with a projection): its pooled, projected prompt. */
  textEncoder2: { projected: 'text_embeds' },
  unet: {
    sample: 'sample',
    timestep: 'timestep',
    context: 'encoder_hidden_states',
    output: 'out_sample',
    /** SDXL's added conditioning: the pooled prompt and the size/crop ids. */
    textEmbeds: 'text_embeds',
    timeIds: 'time_ids',
  },
  vaeDecoder: { input: 'latent_sample', output: 'sample' },
} as const;
