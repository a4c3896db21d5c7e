"""What the engines share, under public names; `still`, `lipsync`, `wav2lip` and `musetalk`
import only from here and from `base`, never from each other.

- plan: the output (`Plan`, `analyse` probes the inputs), `still_picture`/`still_frame`,
  `upright_on`, ffmpeg input and audio arguments (`input_args`, `audio_inputs`, `AUDIO_ARGS`,
  ...), `measured_duration`
- analysis: `Analysed` (what every engine's analysis holds, `source_frame`), `planned` (plan,
  frame count, mask), `analysed_with_writer` (ffmpeg started as soon as the plan is known)
- ffmpeg: `ffmpeg_binary`, `run_ffmpeg`, `FfmpegError`, `stderr_tail`
- encode: `FrameWriter` (raw frames piped into ffmpeg with the audio), `check_cancel`
- ordered: `OrderedWorker` (the output thread, in frame order)
- threads: `Background` (a function on a thread), `read_ahead` (items produced ahead)
- models, faces: the mediapipe face models, loaded once; `find_faces`, `FaceTracker`, `Face`
- mask: `load_mask`, `covers_lips`; speakers: `speaking_faces`, `placed`, `span`,
  `multi_offsets`, `looped_source`, the input-error sentences, `ANALYSIS_SHARE`
- video: `video_faces` (video mode's frames and tracked faces), `decoded_frames`
- pcm: `decode_pcm`, `envelope_per_frame`; sync: the meters, `correlate`, `speakers_report`,
  `warning_for`; result: `engine_result`, `closed_with_report`, `elapsed_ms`
- batched (the network engines): `rendered` (a render around an analysis and a writer),
  `write_batches` (crops built ahead, the network, pasting/metering/encoding on an output thread,
  in frame order), `composed`, `frames_per_batch`, `first_box`, `whole_number`, `half_setting`
- networks (the torch engines; imports torch): `pick_device`, `batch_from_memory`,
  `first_mismatch` (a state dict against the network), `unwrapped`
- registry: `get_engine`, `register_engine`; selection: `usable_engine` (which engine a worker
  can run), `checkpoint_problem`, `musetalk_problem` and the engines' environment names
"""
